"""The several-instances drill (run by ops/checks/scale on the cluster of ops/scale/up).

Through haproxy, four clients send single events and batches of 20 (each retried with the same ids until it is
answered: events are idempotent) while, in turn, one Rally instance is killed (SIGKILL), the Redis master serving the
program is killed, and the PostgreSQL primary is restarted. Then it checks that every acknowledged event is stored once
and scored once (the members' lifetime points add up to the events stored), that every board equals PostgreSQL
(`rally check-leaderboards`), that the scheduler's lease moved to the surviving instance, that every member who acted
received a `badge.awarded` webhook; then, with everything started again, that a key's rate limit holds across both
instances (within 10%), that analytics read from the replica, and from the primary while its replay is paused, and
that the program's gauges, counted once by the scheduler's leader and kept in PostgreSQL, show on both instances.
"""
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

URL = os.environ["RALLY_URL"]
TOKEN = os.environ["RALLY_OPERATOR_TOKEN"]
SCALE_DIR = os.environ["SCALE_DIR"]
BIN = os.environ["RALLY_BIN"]
PRIMARY_PORT, STANDBY_PORT = os.environ["SCALE_PG_PORT"], os.environ["SCALE_STANDBY_PORT"]
OPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
REDIS_URL = os.environ["RALLY_REDIS_URL"]
DATABASE_URL = os.environ["RALLY_DATABASE_URL"]
PROGRAM = "drill-%d" % random.randrange(10**9)
MEMBERS = ["m%02d" % n for n in range(60)]
LOAD_SECONDS = 36


def say(text):
    print("scale drill: " + text, flush=True)


def fail(text):
    say("FAILED: " + text)
    sys.exit(1)


def call(method, path, key, body=None, timeout=10):
    """(status, parsed JSON or None); status 0 when no answer came."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(URL + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, None
    except (urllib.error.URLError, OSError):
        return 0, None


def psql(port, sql):
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "rally", "-d", "rally", "-qtAX", "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


class Receiver(BaseHTTPRequestHandler):
    """Records each webhook delivery's id and the member it names; always 200."""
    deliveries = {}
    lock = threading.Lock()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Receiver.lock:
            Receiver.deliveries[body["id"]] = body
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


class Load:
    """Clients sending events until told to stop; what was acknowledged, by event id."""

    def __init__(self, key):
        self.key = key
        self.acknowledged = set()
        self.unanswered = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def event(self, client, n):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return {"id": "c%d-%d" % (client, n), "memberId": random.choice(MEMBERS), "action": "like", "occurredAt": stamp}

    def send(self, path, body):
        """Sends until answered 2xx (the same ids each time), 60 s at most; the answer's JSON."""
        deadline = time.time() + 60
        while time.time() < deadline:
            status, answer = call("POST", path, self.key, body)
            if 200 <= status < 300:
                return answer
            time.sleep(0.2)
        with self.lock:
            self.unanswered += 1
        return None

    def client(self, number):
        n = 0
        while not self.stop.is_set():
            if n % 2 == 0:
                event = self.event(number, n)
                n += 1
                if self.send("/v1/programs/%s/events" % PROGRAM, event) is not None:
                    with self.lock:
                        self.acknowledged.add(event["id"])
            else:
                events = [self.event(number, n + i) for i in range(20)]
                n += 20
                answer = self.send("/v1/programs/%s/events/batch" % PROGRAM, {"events": events})
                if answer is not None:
                    with self.lock:
                        for event, result in zip(events, answer["results"]):
                            if result.get("outcome") in ("created", "duplicate"):
                                self.acknowledged.add(event["id"])
            time.sleep(0.02)


def served():
    """Requests haproxy sent to each instance that is up, from its admin socket: {server: total}."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(os.path.join(SCALE_DIR, "haproxy.sock"))
    client.sendall(b"show stat\n")
    text = b""
    while chunk := client.recv(65536):
        text += chunk
    client.close()
    rows = [line.split(",") for line in text.decode().splitlines() if line and not line.startswith("#")]
    header = text.decode().splitlines()[0].lstrip("# ").split(",")
    status, total = header.index("status"), header.index("stot")
    return {row[1]: int(row[total]) for row in rows if row[0] == "rally" and row[1].startswith("rally-") and row[status] == "UP"}


def wait_for(what, condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.5)
    fail("%s: not within %d s" % (what, seconds))


def redis_master_of(slot_key):
    """The port of the master serving the program's slot, from the cluster's own map."""
    seed = REDIS_URL.split("://")[1].split(",")[0]
    host, port = seed.split(":")
    slot = int(subprocess.run(["redis-cli", "-p", port, "CLUSTER", "KEYSLOT", slot_key], check=True, capture_output=True, text=True).stdout)
    nodes = subprocess.run(["redis-cli", "-p", port, "CLUSTER", "NODES"], check=True, capture_output=True, text=True).stdout
    for line in nodes.splitlines():
        parts = line.split()
        if "master" not in parts[2] or "fail" in parts[2]:
            continue
        for span in parts[8:]:
            low, _, high = span.partition("-")
            if low.isdigit() and int(low) <= slot <= int(high or low):
                return parts[1].split("@")[0].split(":")[1]
    fail("no master serves slot %d" % slot)


def main():
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()

    status, created = call("POST", "/v1/programs", TOKEN, {"id": PROGRAM, "name": "Drill", "timezone": "UTC"})
    if status != 201:
        fail("program not created: %s %s" % (status, created))
    admin = created["adminKey"]
    status, key = call("POST", "/v1/programs/%s/keys" % PROGRAM, admin, {"role": "ingest", "label": "drill"})
    if status != 201:
        fail("ingest key not created: %s %s" % (status, key))
    ingest = key["key"]
    status, _ = call("POST", "/v1/programs/%s/members/batch" % PROGRAM, ingest,
                     {"members": [{"memberId": m, "displayName": m.upper()} for m in MEMBERS]})
    if status != 200:
        fail("members not added: %s" % status)
    call("PUT", "/v1/programs/%s/badges/first-like" % PROGRAM, admin,
         {"name": "First like", "criteria": {"type": "firstAction", "action": "like"}})
    status, answer = call("PUT", "/v1/programs/%s/webhooks/drill" % PROGRAM, admin,
                     {"url": "http://127.0.0.1:%d/hook" % receiver.server_address[1], "events": ["badge.awarded"], "secret": "drill-secret-of-the-scale-check"})
    if status not in (200, 201):
        fail("webhook not defined: %s %s" % (status, answer))

    load = Load(ingest)
    clients = [threading.Thread(target=load.client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    started = time.time()

    def at(second):
        time.sleep(max(0, started + second - time.time()))

    at(4)
    victim = open(os.path.join(SCALE_DIR, "rally-1.pid")).read().strip()
    os.kill(int(victim), 9)
    say("%.0f s: Rally instance 1 killed (SIGKILL, pid %s)" % (time.time() - started, victim))
    at(10)
    port = redis_master_of("{%s}" % PROGRAM)
    pid = open(os.path.join(SCALE_DIR, "redis", port, "redis.pid")).read().strip()
    os.kill(int(pid), 9)
    say("%.0f s: the Redis master serving the program killed (port %s)" % (time.time() - started, port))
    at(22)
    subprocess.run(["bash", "-c", 'source "$0/scale/common.sh" && use_scale_postgres primary && '
                    'as_pg_user "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w restart >/dev/null', OPS], check=True)
    say("%.0f s: the PostgreSQL primary restarted" % (time.time() - started))
    at(LOAD_SECONDS)
    load.stop.set()
    for thread in clients:
        thread.join()
    if load.unanswered:
        fail("%d requests were never answered in 60 s of retries" % load.unanswered)
    say("%d events acknowledged in %.0f s" % (len(load.acknowledged), time.time() - started))

    stored = set(psql(PRIMARY_PORT, "SELECT event_id FROM events WHERE program_id = '%s'" % PROGRAM).split())
    missing = load.acknowledged - stored
    if missing:
        fail("%d acknowledged events are not stored, e.g. %s" % (len(missing), sorted(missing)[:3]))
    points = int(psql(PRIMARY_PORT, "SELECT coalesce(sum(points), 0) FROM member_totals WHERE program_id = '%s'" % PROGRAM))
    if points != len(stored):
        fail("members hold %d points for %d stored events of 1 point each" % (points, len(stored)))
    say("every acknowledged event stored once: %d stored, %d points" % (len(stored), points))

    # The boards: once the surviving instance says Redis is in line again, equal to PostgreSQL.
    wait_for("the projection in line", lambda: (call("GET", "/readyz", "")[1] or {}).get("projection") == "ok", 60)
    check = subprocess.run([BIN, "check-leaderboards", "--program", PROGRAM], capture_output=True, text=True,
                           env=dict(os.environ, RALLY_DATABASE_URL=DATABASE_URL, RALLY_REDIS_URL=REDIS_URL))
    if check.returncode != 0:
        fail("boards differ from PostgreSQL:\n" + check.stdout + check.stderr)
    say("every board equals PostgreSQL (rally check-leaderboards)")

    # The scheduled jobs moved to the surviving instance once the killed one's lease ran out.
    survivor = open(os.path.join(SCALE_DIR, "rally-2.pid")).read().strip()
    wait_for("the scheduler's lease taken over by instance 2",
             lambda: "/%s/" % survivor in psql(PRIMARY_PORT, "SELECT coalesce(max(holder), '') FROM leases WHERE name = 'scheduler'"), 30)
    say("the scheduled jobs run on instance 2 now (the scheduler's lease)")

    acted = set(psql(PRIMARY_PORT, "SELECT DISTINCT member_id FROM events WHERE program_id = '%s'" % PROGRAM).split())

    def awarded():
        with Receiver.lock:
            return {d["data"].get("memberId") for d in Receiver.deliveries.values() if d["type"] == "badge.awarded"}
    wait_for("a badge.awarded webhook for each of the %d members who acted" % len(acted), lambda: awarded() >= acted, 120)
    say("every webhook delivered: %d members awarded, %d deliveries" % (len(awarded()), len(Receiver.deliveries)))

    # Instance 1 and the Redis node killed come back (ops/scale/up starts what does not run).
    subprocess.run([os.path.join(OPS, "scale", "up")], check=True, capture_output=True)
    wait_for("instance 1 back behind haproxy", lambda: len(served()) == 2, 30)

    # Rate limits across both instances: a read key of its own 50 requests a second, sent as fast as 8 clients can
    # through haproxy for 6 s, passes its burst (100) and 50 a second, within 10%, not twice that.
    before = served()
    status, limited = call("POST", "/v1/programs/%s/keys" % PROGRAM, admin, {"role": "read", "label": "limited", "rateLimit": 50})
    if status != 201:
        fail("rate-limited key not created: %s %s" % (status, limited))
    passed, refused, lock = [0], [0], threading.Lock()
    begin = time.time()

    def hammer():
        while time.time() < begin + 6:
            status, _ = call("GET", "/v1/programs/%s" % PROGRAM, limited["key"])
            with lock:
                if status == 200:
                    passed[0] += 1
                elif status == 429:
                    refused[0] += 1
    hammers = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in hammers:
        thread.start()
    for thread in hammers:
        thread.join()
    allowed = 100 + 50 * (time.time() - begin)
    after = served()
    if any(after[name] - before.get(name, 0) < 100 for name in after):
        fail("haproxy did not share the requests between the instances: %s then %s" % (before, after))
    if not 0.9 * allowed <= passed[0] <= 1.05 * allowed or refused[0] == 0:
        fail("a key limited to 50 a second passed %d requests in %.1f s (%d refused); %.0f allowed" % (passed[0], time.time() - begin, refused[0], allowed))
    say("a key limited to 50 a second passed %d of %d requests through both instances (%.0f allowed in %.1f s)"
        % (passed[0], passed[0] + refused[0], allowed, time.time() - begin))

    # Analytics: from the replica; from the primary while the replica stops replaying.
    participation = "/v1/programs/%s/analytics/participation" % PROGRAM
    wait_for("analytics read from the replica", lambda: (call("GET", participation, admin)[1] or {}).get("readFrom", {}).get("database") == "replica", 30)
    psql(STANDBY_PORT, "SELECT pg_wal_replay_pause()")
    try:
        call("POST", "/v1/programs/%s/events" % PROGRAM, ingest,
             {"id": "after-pause", "memberId": MEMBERS[0], "action": "like", "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        wait_for("analytics read from the primary while the replica lags",
                 lambda: (call("GET", participation, admin)[1] or {}).get("readFrom", {}).get("database") == "primary", 30)
    finally:
        psql(STANDBY_PORT, "SELECT pg_wal_replay_resume()")
    say("analytics read from the replica, and from the primary while the replica lagged")

    # The gauges: the leader counts them and keeps them in PostgreSQL; each instance's /metrics shows them.
    enrolled = re.compile(r'^rally_members_enrolled\{program="%s"\} %d(\.0)?$' % (PROGRAM, len(MEMBERS)), re.M)
    def shown(port):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as response:
                return enrolled.search(response.read().decode()) is not None
        except (urllib.error.URLError, OSError):
            return False
    ports = [int(port) for port in os.environ["SCALE_INSTANCE_PORTS"].split()]
    wait_for("the program's gauges on every instance", lambda: all(shown(port) for port in ports), 30)
    kept = psql(PRIMARY_PORT, "SELECT count(*) FROM prepared_answers WHERE program_id = '%s' AND question = 'gauges' AND good_until > now()" % PROGRAM)
    if kept.strip() != "1":
        fail("the leader kept no gauges of the program in prepared_answers (%r)" % kept)
    say("the program's gauges, kept once by the leader, show on both instances")


if __name__ == "__main__":
    main()
