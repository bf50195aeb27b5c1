"""The pages in a real headless Chromium against a running Rally (ops/checks/pages starts both).

Walks what a person does: an employee opens the leaderboard from a viewer token, sees it change live after an event sent
through the API, reads it in French, moves with the keyboard alone; an intranet frames the widget (refused on an origin
the program does not list); hostile names stay text; no key reaches a page; axe-core finds no serious or critical
WCAG 2.1 AA violation on any page. Screenshots of each page at phone and desktop widths go to the output folder.
Run with Debian's python3 (its selenium): python3 pages.py BASE OPERATOR_TOKEN AXE_JS OUTPUT_DIR FRAME_PORT_OK FRAME_PORT_NO
"""
import json
import os
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, OPERATOR, AXE, OUTPUT, FRAME_OK, FRAME_NO = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
PROGRAM = "pages-%d" % int(time.time())
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def wait_replaced(old):
    """Waits until `old`, the root of the page before a navigation, has left the document. Chromium reports a node of
    a replaced document as stale or, in the middle of the swap, as not belonging to the document: either means gone."""
    def gone(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True
    WebDriverWait(driver, 10).until(gone)


def click_live(selector):
    """Clicks what `selector` finds on a live board: the script replaces the ranking when its stream opens (a reconnected
    client is sent the current board) or the board changes, so a row found a moment before may be gone; find it again."""
    def clicked(d):
        try:
            d.find_element(By.CSS_SELECTOR, selector).click()
            return True
        except WebDriverException:
            return False
    WebDriverWait(driver, 10, poll_frequency=0.05).until(clicked)


def api(method, path, key, body=None):
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode() or "null")


def now(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


# A program of 12 members: member i has posted i times (25 points a post); m07 is named like an attack.
status, created = api("POST", "/v1/programs", OPERATOR, {"id": PROGRAM, "name": "Pages check", "timezone": "Europe/Paris"})
assert status == 201, created
ADMIN = created["adminKey"]
_, ingest = api("POST", "/v1/programs/%s/keys" % PROGRAM, ADMIN, {"role": "ingest"})
INGEST = ingest["key"]
HOSTILE = "<img src=x onerror=alert(1)>"
for i in range(1, 13):
    member = "m%02d" % i
    api("PUT", "/v1/programs/%s/members/%s" % (PROGRAM, member), INGEST,
        {"displayName": HOSTILE if i == 7 else "Member %d" % i, "team": "Team %d" % (i % 3)})
    api("POST", "/v1/programs/%s/events/batch" % PROGRAM, INGEST,
        {"events": [{"id": "%s-%d" % (member, n), "memberId": member, "action": "post", "occurredAt": now()} for n in range(i)]})
# A challenge under way (each member's pages show it), a reward and a redemption waiting (the console's queue).
status, body = api("PUT", "/v1/programs/%s/challenges/everyone" % PROGRAM, ADMIN,
                   {"name": "Everyone: 5,000 points", "metric": {"points": True}, "target": 5000, "from": now(-3600), "to": now(86400)})
assert status == 201, body
status, body = api("PUT", "/v1/programs/%s/rewards/mug" % PROGRAM, ADMIN, {"name": "Mug", "cost": 20, "stock": 5})
assert status == 201, body
status, body = api("POST", "/v1/programs/%s/members/m12/redemptions" % PROGRAM, INGEST, {"id": "r1", "rewardId": "mug"})
assert status == 201, body
# A flag waiting for review (the console's integrity queue): a member outside the program (not enrolled, so no board
# or figure moves) liking twice within a minute while the burst rule allows one; the rule is then taken off again.
status, body = api("PATCH", "/v1/programs/%s" % PROGRAM, ADMIN, {"integrity": {"burstPerMinute": {"limit": 1}}})
assert status == 200, body
api("PUT", "/v1/programs/%s/members/farmer" % PROGRAM, INGEST, {"displayName": "Farmer", "enrolled": False})
status, body = api("POST", "/v1/programs/%s/events/batch" % PROGRAM, INGEST,
                   {"events": [{"id": "farm-%d" % n, "memberId": "farmer", "action": "like", "occurredAt": now()} for n in range(2)]})
assert status == 200 and [result["status"] for result in body["results"]] == ["not_enrolled", "not_enrolled"], body
status, body = api("PATCH", "/v1/programs/%s" % PROGRAM, ADMIN, {"integrity": None})
assert status == 200, body
_, minted = api("POST", "/v1/programs/%s/viewer-tokens" % PROGRAM, ADMIN, {"memberId": "m01", "lang": "en"})
PAGE = BASE + minted["url"]
TOKEN = minted["token"]
SECRETS = [ADMIN, INGEST, OPERATOR]

options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)
axe_source = open(AXE).read()


def rows():
    """The live ranking's rows as its hooks say: member, rank, points, whether it is the viewer's (read at one instant)."""
    return [tuple(row) for row in driver.execute_script(
        "return Array.from(document.querySelectorAll('table[data-board] tr[data-member-id]')).map(function (r) {"
        " return [r.getAttribute('data-member-id'), Number(r.getAttribute('data-rank')), Number(r.getAttribute('data-points')),"
        " r.getAttribute('aria-current') === 'true']; });")]


def audit(name):
    """axe-core's WCAG 2.1 A/AA rules on the page now shown; screenshots at desktop and phone widths."""
    driver.execute_script(axe_source)
    result = driver.execute_async_script(
        "var done = arguments[0]; axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(function (r) { done(r.violations.map(function (v) { return [v.id, v.impact, v.nodes.length]; })); });")
    serious = [v for v in result if v[1] in ("serious", "critical")]
    check(not serious, "%s: no serious or critical WCAG 2.1 AA violation %s" % (name, serious or ""))
    source = driver.page_source
    check(not any(secret in source for secret in SECRETS), "%s: no key in the page" % name)
    for width, height, label in [(1200, 900, "desktop"), (390, 844, "phone")]:
        driver.set_window_size(width, height)
        driver.save_screenshot(os.path.join(OUTPUT, "%s-%s.png" % (name, label)))
    driver.set_window_size(1200, 900)


def console_errors():
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


try:
    # The leaderboard: the ten first, the viewer pinned below, a hostile name as text.
    driver.get(PAGE)
    shown = rows()
    check([r[0] for r in shown] == ["m%02d" % i for i in range(12, 2, -1)], "the ten first, best first")
    check([r[2] for r in shown] == [25 * i for i in range(12, 2, -1)], "their points")
    pinned = driver.find_elements(By.CSS_SELECTOR, ".you tr[aria-current=true]")
    check(len(pinned) == 1 and pinned[0].get_attribute("data-rank") == "12", "the viewer's row pinned, rank 12")
    hostile = driver.find_element(By.CSS_SELECTOR, "tr[data-member-id=m07] th")
    check(hostile.text == HOSTILE and not driver.find_elements(By.CSS_SELECTOR, "main img"), "a hostile name shows as text")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "English by the token")
    audit("leaderboard")

    # Live, below the ten: m01 posts once; its pinned row follows (50 points, level with m02) without a reload.
    api("POST", "/v1/programs/%s/events" % PROGRAM, INGEST, {"id": "m01-first", "memberId": "m01", "action": "post", "occurredAt": now()})
    def pinned_row():
        """The pinned row's points and rank, and the line under it (read at one instant: the script may replace them)."""
        return driver.execute_script("var row = document.querySelector('.you tr[aria-current=true]'), line = document.querySelector('.you p');"
                                     "return row ? [row.getAttribute('data-points'), row.getAttribute('data-rank'), line ? line.textContent : ''] : null;")
    WebDriverWait(driver, 10, poll_frequency=0.05).until(lambda d: (pinned_row() or [None])[0] == "50")
    points, rank, line = pinned_row()
    check(rank == "11" and "25 points behind" in line, "the pinned row live: 50 points, rank 11, 25 points behind the next place (%s)" % line)

    # Live: m01 posts 11 times more through the API; its row rises to the top without a reload.
    driver.find_element(By.TAG_NAME, "body").get_attribute("data-x")  # the same document throughout
    marker = driver.execute_script("window.rallyMarker = 1; return window.rallyMarker;")
    sent = time.monotonic()
    api("POST", "/v1/programs/%s/events/batch" % PROGRAM, INGEST,
        {"events": [{"id": "m01-late-%d" % n, "memberId": "m01", "action": "post", "occurredAt": now()} for n in range(11)]})
    WebDriverWait(driver, 10, poll_frequency=0.05).until(lambda d: rows() and rows()[0][0] == "m01")
    seen = time.monotonic() - sent
    check(driver.execute_script("return window.rallyMarker;") == marker, "updated in place, no reload")
    top = rows()[0]
    check(top[2] == 325 and top[3], "m01 first with 325 points, marked as the viewer (seen %.2f s after the API answered)" % seen)
    check(not driver.find_elements(By.CSS_SELECTOR, ".you"), "nothing pinned once the viewer is among the ten")

    # French, by the query.
    driver.get(PAGE + "&lang=fr")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", "French by ?lang=fr")
    check("Cette semaine" in driver.find_element(By.CSS_SELECTOR, "nav.periods").text, "the tabs in French")
    audit("leaderboard-fr")

    # From the leaderboard to a colleague's page by their name, then how to earn points and the teams.
    driver.get(PAGE)
    click_live("table[data-board] tr[data-member-id=m12] th a")
    WebDriverWait(driver, 10).until(lambda d: "/members/m12" in d.current_url)
    check(driver.find_element(By.TAG_NAME, "h1").text == "Member 12", "a colleague's page from their name")
    check(driver.find_element(By.CSS_SELECTOR, "tr[data-period=all] td").text == "300", "their points of all time")
    challenge = driver.find_element(By.CSS_SELECTOR, "li[data-challenge-id=everyone]").text
    check(" of 5,000 · yours: 300" in challenge, "the challenge under way, and what they added (%s)" % challenge)
    audit("member")
    driver.find_element(By.LINK_TEXT, "How to earn points").click()
    check(driver.find_element(By.CSS_SELECTOR, "tr[data-action=post] td").text == "25", "how to earn points: a post is worth 25")
    audit("rules")
    driver.find_element(By.LINK_TEXT, "Teams").click()
    check(len(driver.find_elements(By.CSS_SELECTOR, "tr[data-team]")) == 3, "the teams' board ranks the three teams")
    audit("teams")
    # Live: m04 (Team 1) shares; the teams' board follows without a reload.
    team_points = lambda: driver.execute_script("var row = document.querySelector('tr[data-team=\"Team 1\"]'); return row && row.getAttribute('data-points');")
    before = int(team_points())
    api("POST", "/v1/programs/%s/events" % PROGRAM, INGEST, {"id": "m04-share", "memberId": "m04", "action": "share", "occurredAt": now()})
    try:
        WebDriverWait(driver, 10, poll_frequency=0.1).until(lambda d: team_points() == str(before + 10))
    except TimeoutException:
        pass
    check(team_points() == str(before + 10), "the teams' board live: Team 1 from %d to %d points (%s)" % (before, before + 10, team_points()))

    # Keyboard alone: the skip link first, then the tabs; Enter follows one.
    driver.get(PAGE)
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    check("skip" in (focused.get_attribute("class") or ""), "Tab reaches the skip link first")
    check(driver.execute_script("var s = getComputedStyle(arguments[0]); return s.outlineStyle !== 'none' && s.outlineWidth !== '0px';", focused),
          "focus is visible")
    reached = []
    while len(reached) < 12 and driver.switch_to.active_element.text != "This month":
        driver.switch_to.active_element.send_keys(Keys.TAB)
        reached.append(driver.switch_to.active_element.text)
    check(reached[-2:] == ["This week", "This month"], "Tab reaches this week's tab, then this month's (%s)" % reached)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: "period=month" in d.current_url)
    check(driver.find_element(By.CSS_SELECTOR, "nav.periods a[aria-current=page]").text == "This month", "Enter opened this month's board")

    # Refusals: a bad token is a 401 page, an unknown program a 404 page, both accessible.
    driver.get(BASE + "/p/%s?token=v1.bad.token" % PROGRAM)
    check("cannot be used" in driver.find_element(By.TAG_NAME, "h1").text, "a bad token: the 401 page")
    audit("unauthorized")

    # The widget framed by an intranet: refused where the program lists no origin, shown where it does.
    api("PATCH", "/v1/programs/%s" % PROGRAM, ADMIN, {"embedOrigins": ["http://127.0.0.1:%d" % FRAME_OK]})
    embed = BASE + "/embed/%s/leaderboard?token=%s" % (PROGRAM, TOKEN)

    class Intranet(BaseHTTPRequestHandler):
        def do_GET(self):
            page = ('<!DOCTYPE html><html lang="en"><head><title>Intranet</title></head><body><h1>Intranet</h1>'
                    '<iframe id="rally" title="Leaderboard" src="%s" width="600" height="500"></iframe></body></html>' % embed).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", port), Intranet) for port in (FRAME_OK, FRAME_NO)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    time.sleep(1.1)  # the program's settings as other instances see them
    driver.get("http://127.0.0.1:%d/" % FRAME_OK)
    driver.switch_to.frame(driver.find_element(By.ID, "rally"))
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-member-id]"))
    check(len(driver.find_elements(By.CSS_SELECTOR, "table[data-board] tr[data-member-id]")) == 10, "the widget shows on a listed origin")
    audit("embed")
    driver.switch_to.default_content()
    driver.get_log("browser")
    driver.get("http://127.0.0.1:%d/" % FRAME_NO)
    time.sleep(1)
    driver.switch_to.frame(driver.find_element(By.ID, "rally"))
    blocked = not driver.find_elements(By.CSS_SELECTOR, "tr[data-member-id]")
    driver.switch_to.default_content()
    logs = " ".join(entry["message"] for entry in driver.get_log("browser"))
    check(blocked and "frame-ancestors" in logs, "the widget is refused by CSP on an origin not listed")
    for server in servers:
        server.shutdown()

    driver.get(PAGE)
    time.sleep(0.5)
    check(not console_errors(), "no script error or CSP violation on the leaderboard")

    # HR: sign in with the keyboard alone, draft rules with an error shown in place, simulate, publish.
    driver.delete_all_cookies()
    driver.get(BASE + "/console/login")
    audit("console-login")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    driver.switch_to.active_element.send_keys(ADMIN)
    check(driver.switch_to.active_element.get_attribute("name") == "key", "Tab reaches the key field first")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: d.current_url.rstrip("/").endswith("/console/" + PROGRAM))
    check(ADMIN not in driver.page_source and not any(ADMIN in c["value"] for c in driver.get_cookies()), "the key is in no page and no cookie")
    driver.get(BASE + "/console/%s/rules" % PROGRAM)
    draft = driver.find_element(By.NAME, "rules")

    def submit(rules, action):
        """Fills the draft, presses the button, waits for the answer's page."""
        WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete"
                                        and d.find_elements(By.CSS_SELECTOR, "form.rules"))
        old = driver.find_element(By.TAG_NAME, "html")
        # One script fills and submits (as pressing the button does), so no element goes stale in between.
        driver.execute_script("var form = document.querySelector('form.rules'); form.elements.rules.value = arguments[0];"
                              "form.requestSubmit(form.querySelector('button[name=action][value=' + arguments[1] + ']'));", rules, action)
        wait_replaced(old)

    submit('{"actions": {"post": {"points": -5}}}', "validate")
    problem = driver.find_elements(By.CSS_SELECTOR, '[data-field="actions.post.points"]')
    check(len(problem) == 1 and "must be" in problem[0].text, "a problem of the draft shown beside it, with its path")
    audit("console-rules-problem")
    submit('{"actions": {"post": {"points": 50}, "share": {"points": 10}}}', "simulate")
    simulation = driver.find_elements(By.CSS_SELECTOR, "[data-simulation]")
    post = [int(cell.text.replace(",", "")) for cell in driver.find_elements(By.CSS_SELECTOR, "[data-simulation] tr[data-action=post] td")]
    check(simulation and post == [90, 90 * 25, 90 * 50], "the simulation: 90 posts, 2,250 points now, 4,500 with the draft (%s)" % post)
    audit("console-rules-simulation")
    # The same form without its CSRF field is refused.
    driver.execute_script("document.querySelector('form.rules input[name=csrf]').remove();")
    submit('{"actions": {"post": {"points": 50}}}', "publish")
    check("Not allowed" in driver.find_element(By.TAG_NAME, "h1").text, "a form posted without its CSRF token is refused")
    driver.get(BASE + "/console/%s/rules" % PROGRAM)
    submit('{"actions": {"post": {"points": 50}, "share": {"points": 10}}}', "publish")
    WebDriverWait(driver, 10).until(lambda d: "published=1" in d.current_url)
    _, rules = api("GET", "/v1/programs/%s/rules" % PROGRAM, ADMIN)
    check(rules["version"] == 1 and rules["actions"]["post"]["points"] == 50, "the publication seen through the API")

    # The same rules as a form: two levels added in empty rows, published.
    driver.get(BASE + "/console/%s/rules" % PROGRAM)
    for name, value in [("levels.0.name", "Rookie"), ("levels.0.minPoints", "0"), ("levels.1.name", "Star"), ("levels.1.minPoints", "500")]:
        driver.find_element(By.NAME, name).send_keys(value)
    audit("console-rules-form")
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "form.rules-form button[name=action][value=publish]").click()
    wait_replaced(old)
    _, rules = api("GET", "/v1/programs/%s/rules" % PROGRAM, ADMIN)
    check(rules["version"] == 2 and [level["name"] for level in rules["levels"]] == ["Rookie", "Star"]
          and rules["actions"]["post"]["points"] == 50, "the form view published version 2 with its levels, the points kept")

    # Badges: how many members would receive one at once (two posts or more: all twelve), then saved.
    driver.get(BASE + "/console/%s/badges" % PROGRAM)
    for name, value in [("badgeId", "poster"), ("name", "Poster"), ("threshold", "2")]:
        driver.find_element(By.NAME, name).send_keys(value)
    Select(driver.find_element(By.NAME, "type")).select_by_value("actionCount")
    Select(driver.find_element(By.NAME, "actionName")).select_by_value("post")
    Select(driver.find_element(By.NAME, "period")).select_by_value("all")
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "button[name=action][value=preview]").click()
    wait_replaced(old)
    reach = driver.find_element(By.CSS_SELECTOR, "[data-badge-reach]").text
    check(reach.startswith("12 members meet it now"), "the badge's reach before saving: %s" % reach)
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "button[name=action][value=save]").click()
    wait_replaced(old)
    check(driver.find_elements(By.CSS_SELECTOR, "tr[data-badge-id=poster]"), "the badge listed once saved")
    audit("console-badges")

    # The other console pages, each accessible: keys (a new one shown once), members (a search), the audit log.
    driver.get(BASE + "/console/%s/keys" % PROGRAM)
    audit("console-keys")
    driver.find_element(By.NAME, "label").send_keys("Screen in the hall")
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "button[name=action][value=create]").click()
    wait_replaced(old)
    shown = driver.find_element(By.CSS_SELECTOR, "output[data-new-key]").text
    status, _ = api("GET", "/v1/programs/%s" % PROGRAM, shown)
    check(shown.startswith("rk_") and status == 200, "a key made in the console works")
    SECRETS.append(shown)
    driver.get(BASE + "/console/%s/members?q=m1" % PROGRAM)
    check(len(driver.find_elements(By.CSS_SELECTOR, "tr[data-result]")) == 3, "members found by the start of their id (m10, m11, m12)")
    audit("console-members")
    driver.get(BASE + "/console/%s/webhooks" % PROGRAM)
    check(driver.find_elements(By.CSS_SELECTOR, "input[type=password][name=secret]"), "the webhooks page's form")
    audit("console-webhooks")
    driver.get(BASE + "/console/%s/rewards" % PROGRAM)
    check(driver.find_elements(By.CSS_SELECTOR, "tr[data-redemption-id=r1][data-status=pending]"), "the redemption waiting in the rewards queue")
    audit("console-rewards")
    driver.get(BASE + "/console/%s/challenges" % PROGRAM)
    progress = driver.find_element(By.CSS_SELECTOR, "tr[data-challenge-id=everyone] progress[max='5000']").get_attribute("value")
    check(int(float(progress)) >= 1950, "the challenge with its progress (%s of 5000)" % progress)
    audit("console-challenges")
    driver.get(BASE + "/console/%s/flags" % PROGRAM)
    check(driver.find_elements(By.CSS_SELECTOR, "tr[data-rule=burstPerMinute] button[value=dismiss]"), "the flag waiting in the integrity queue")
    audit("console-flags")
    driver.get(BASE + "/console/%s/analytics" % PROGRAM)
    bars = driver.find_elements(By.CSS_SELECTOR, "svg.chart rect[data-period]")
    check(len(bars) == 12 and bars[-1].get_attribute("data-rate") == "1.0000", "participation as a chart: this week, all 12 members active")
    check(len(driver.find_elements(By.CSS_SELECTOR, "table[data-table=participation] tbody tr")) == 12, "the chart's numbers in a table")
    check(driver.find_elements(By.CSS_SELECTOR, "svg[data-chart=satisfaction]") and driver.find_elements(By.CSS_SELECTOR, "table[data-table=satisfaction] tbody tr")
          and driver.find_elements(By.CSS_SELECTOR, "svg[data-chart=reach]") and driver.find_elements(By.CSS_SELECTOR, "table[data-table=reach]"),
          "satisfaction and reach, each a chart and a table")
    audit("console-analytics")
    driver.get(BASE + "/console/%s/audit?action=rules." % PROGRAM)
    check([row.get_attribute("data-action") for row in driver.find_elements(By.CSS_SELECTOR, "tr[data-audit-id]")] == ["rules.replaced"] * 2,
          "the audit log filtered to rule changes")
    audit("console-audit")
finally:
    driver.quit()

print("pages: %d check(s) failed" % len(failures) if failures else "pages: every check passed; screenshots in " + OUTPUT)
sys.exit(1 if failures else 0)
