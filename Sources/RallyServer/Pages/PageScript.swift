/// The pages' only script, served from `/assets/live.js` (the pages' CSP allows no other): it keeps the leaderboard live
/// from its stream. Without it the pages are whole; with it the ranking follows each change within a second. Text goes in
/// through `textContent` only.
enum PageScript {
    static let live = """
        (function () {
          "use strict";
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
          var source = new EventSource(main.getAttribute("data-live"));
          source.addEventListener("board", function (event) {
            var board = JSON.parse(event.data);
            body.replaceChildren.apply(body, board.rows.map(row));
            if (empty) { empty.hidden = board.rows.length > 0; }
            var you = main.querySelector(".you");
            if (you && board.rows.some(function (entry) { return viewer && entry.memberId === viewer; })) { you.remove(); }
            main.setAttribute("data-updated", String(Date.now()));
          });
        })();
        """
}
