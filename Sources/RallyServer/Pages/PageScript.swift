/// The pages' only script, served from `/assets/live.js` (the pages' CSP allows no other): it keeps the leaderboard live
/// from its stream, and the teams' board by reading its page again after a change. Without it the pages are whole; with
/// it the rankings follow each change within a second or two. Text goes in through `textContent` only.
enum PageScript {
    static let live = """
        (function () {
          "use strict";
          // The teams' board: after a change on the stream, its own page read again (every two seconds at most) and its
          // rows taken from it.
          var refreshed = document.querySelector("main[data-refresh]");
          if (refreshed && window.EventSource && window.fetch && window.DOMParser) {
            var started = false, readAt = 0, waiting = null;
            var reread = function () {
              waiting = null;
              readAt = Date.now();
              fetch(window.location.href, { credentials: "omit", cache: "no-store" }).then(function (answer) {
                return answer.ok ? answer.text() : null;
              }).then(function (html) {
                if (!html) { return; }
                var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main[data-refresh]");
                if (!fresh) { return; }
                refreshed.querySelector("table tbody").replaceWith(fresh.querySelector("table tbody"));
                refreshed.querySelector(".empty").hidden = fresh.querySelector(".empty").hidden;
                refreshed.setAttribute("data-updated", String(Date.now()));
              }, function () {});
            };
            var schedule = function () {
              if (!waiting) { waiting = setTimeout(reread, Math.max(0, readAt + 2000 - Date.now())); }
            };
            // Another instance may answer from what it kept of the board, a second old at most: once more after that.
            var settle = null;
            var changed = function () {
              if (!started) { started = true; return; }
              schedule();
              clearTimeout(settle);
              settle = setTimeout(schedule, 1200);
            };
            var stream = new EventSource(refreshed.getAttribute("data-refresh"));
            stream.addEventListener("board", changed);
            stream.addEventListener("change", changed);
          }
          var main = document.querySelector("main[data-live]");
          if (!main || !window.EventSource) { return; }
          var viewer = main.getAttribute("data-viewer") || "";
          var anonymous = main.getAttribute("data-anonymous") || "";
          var memberLink = main.getAttribute("data-member-link") || "";
          var body = main.querySelector("table[data-board] tbody");
          var empty = main.querySelector(".empty");
          var number = new Intl.NumberFormat(document.documentElement.lang);
          function cell(tag, className, text) {
            var element = document.createElement(tag);
            if (className) { element.className = className; }
            if (tag === "th") { element.setAttribute("scope", "row"); }
            element.textContent = text;
            return element;
          }
          function row(entry) {
            var tr = document.createElement("tr");
            tr.setAttribute("data-member-id", entry.memberId || "");
            tr.setAttribute("data-rank", String(entry.rank));
            tr.setAttribute("data-points", String(entry.points));
            tr.className = "place-" + (entry.rank <= 3 ? entry.rank : 0);
            if (viewer && entry.memberId === viewer) {
              tr.className += " viewer";
              tr.setAttribute("aria-current", "true");
            }
            tr.appendChild(cell("td", "rank", number.format(entry.rank)));
            var name = cell("th", "", entry.memberId ? "" : anonymous);
            if (entry.memberId) {
              var link = document.createElement("a");
              link.href = memberLink.replace("{id}", encodeURIComponent(entry.memberId));
              link.textContent = entry.name || entry.memberId;
              name.appendChild(link);
            }
            tr.appendChild(name);
            tr.appendChild(cell("td", "team", entry.team || ""));
            tr.appendChild(cell("td", "num", number.format(entry.points)));
            return tr;
          }
          // The viewer's own row, pinned under the ranking while it does not show them: asked for again after each change.
          var placeURL = main.getAttribute("data-place");
          var asking = false;
          function pinned() {
            var you = main.querySelector(".you");
            if (you) { return you; }
            var embed = document.body.classList.contains("embed");
            you = document.createElement(embed ? "div" : "section");
            you.className = "you";
            var table = document.createElement("table");
            table.className = "ranking";
            table.appendChild(cell("caption", "", main.getAttribute("data-you") || ""));
            table.appendChild(main.querySelector("table[data-board] thead").cloneNode(true));
            table.appendChild(document.createElement("tbody"));
            you.appendChild(table);
            if (!embed) {
              you.setAttribute("aria-label", main.getAttribute("data-you") || "");
              you.appendChild(document.createElement("p"));
            }
            main.appendChild(you);
            return you;
          }
          // At most one question every two seconds, the last change always asked about.
          var askedAt = 0, later = null;
          function askPlace() {
            if (!viewer || !placeURL || !window.fetch) { return; }
            var wait = askedAt + 2000 - Date.now();
            if (asking || wait > 0) {
              if (!later) { later = setTimeout(function () { later = null; askPlace(); }, Math.max(wait, 250)); }
              return;
            }
            asking = true;
            askedAt = Date.now();
            fetch(placeURL, { credentials: "omit", cache: "no-store" }).then(function (answer) {
              return answer.ok ? answer.json() : null;
            }).then(function (place) {
              asking = false;
              if (!place) { return; }
              var you = main.querySelector(".you");
              if (!place.row) { if (you) { you.remove(); } return; }
              you = pinned();
              you.querySelector("tbody").replaceChildren(row(place.row));
              var summary = you.querySelector("p");
              if (summary) { summary.textContent = place.summary || ""; }
              main.setAttribute("data-place-updated", String(Date.now()));
            }, function () { asking = false; });
          }
          // After the last change, the place asked about once more when what another instance kept of the board (a second
          // at most) has gone.
          var settle = null;
          function placeChanged() {
            askPlace();
            clearTimeout(settle);
            settle = setTimeout(askPlace, 1200);
          }
          var first = true, shown = false;
          var source = new EventSource(main.getAttribute("data-live"));
          source.addEventListener("board", function (event) {
            var board = JSON.parse(event.data);
            body.replaceChildren.apply(body, board.rows.map(row));
            if (empty) { empty.hidden = board.rows.length > 0; }
            shown = board.rows.some(function (entry) { return viewer && entry.memberId === viewer; });
            var you = main.querySelector(".you");
            if (shown && you) { you.remove(); }
            if (!shown && !first) { placeChanged(); }
            first = false;
            main.setAttribute("data-updated", String(Date.now()));
          });
          source.addEventListener("change", function () {
            if (!shown) { placeChanged(); }
          });
        })();
        """
}
