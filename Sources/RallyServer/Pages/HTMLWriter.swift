import Foundation
import RallyLedger

/// HTML written as it is appended, every value escaped (`< > & " '`), without reflection: what the leaderboard page, the
/// busiest of the pages, is written with (the template engine costs it tens of times more; BENCHMARKS.md, session I).
struct HTMLWriter {
    private(set) var bytes: [UInt8] = []
    /// The holes left so far (`RenderedPage`): where each starts and ends in `bytes`.
    private(set) var holes: [(start: Int, end: Int, hole: RenderedPage.Hole)] = []

    init(capacity: Int = 8192) {
        bytes.reserveCapacity(capacity)
    }

    /// Markup, as is.
    mutating func raw(_ markup: String) {
        bytes.append(contentsOf: markup.utf8)
    }

    mutating func raw(_ markup: [UInt8]) {
        bytes.append(contentsOf: markup)
    }

    /// A place filled for each viewer.
    mutating func hole(_ hole: RenderedPage.Hole) {
        holes.append((bytes.count, bytes.count, hole))
    }

    /// A value, escaped for text and for quoted attributes.
    mutating func text(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
            default: bytes.append(byte)
            }
        }
    }

    /// ` name="value"`, the value escaped.
    mutating func attribute(_ name: String, _ value: String) {
        raw(" \(name)=\"")
        text(value)
        raw("\"")
    }
}

extension PageController {
    /// The leaderboard page, or the embed widget: what `BoardModel` holds, as the other pages' frame writes it, with holes
    /// for what is the viewer's.
    static func boardHTML(_ model: BoardModel, embed: Bool) -> RenderedPage {
        var html = HTMLWriter()
        let t = model.t
        html.raw("<!DOCTYPE html>\n<html")
        html.attribute("lang", model.lang)
        html.raw(">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        html.text(model.title)
        html.raw("</title>\n<link rel=\"stylesheet\" href=\"/assets/rally.css\">\n<script src=\"/assets/live.js\" defer></script>\n</head>\n<body")
        html.attribute("class", model.kind)
        html.raw(">\n")
        if !embed {
            html.raw("<a class=\"skip\" href=\"#ranking\">")
            html.text(t.skip)
            html.raw("</a>\n<nav")
            html.attribute("aria-label", model.p.pages)
            html.raw("><ul class=\"tabs\">")
            tabs(model.links, into: &html)
            html.hole(.myPage)
            html.raw("</ul></nav>\n<header><h1>")
            html.text(model.programName)
            html.raw("</h1><p class=\"period\">")
            html.text(model.periodLabel)
            html.raw("</p></header>\n<nav class=\"periods\"")
            html.attribute("aria-label", t.periods)
            html.raw("><ul class=\"tabs\">")
            tabs(model.tabs, into: &html)
            html.raw("</ul></nav>\n<form class=\"filter\" method=\"get\"")
            html.attribute("action", model.path)
            html.attribute("aria-label", t.filter)
            html.raw(">\n")
            for hidden in model.hidden {
                html.raw("<input type=\"hidden\"")
                html.attribute("name", hidden.name)
                html.attribute("value", hidden.value)
                html.raw(">")
            }
            for (label, name, value) in [(t.team, "team", model.team), (t.region, "region", model.region)] {
                html.raw("\n<label>")
                html.text(label)
                html.raw(" <input type=\"text\"")
                html.attribute("name", name)
                html.attribute("value", value)
                html.raw(" maxlength=\"200\"></label>")
            }
            html.raw("\n<button type=\"submit\">")
            html.text(t.apply)
            html.raw("</button>\n</form>\n")
        }
        html.raw("<main id=\"ranking\"")
        html.attribute("data-live", model.liveURL)
        html.attribute("data-place", model.placeURL)
        html.attribute("data-you", model.t.you)
        html.raw(" data-viewer=\"")
        html.hole(.viewerId)
        html.raw("\"")
        html.attribute("data-anonymous", t.anonymous)
        html.attribute("data-member-link", model.memberLink)
        html.raw(">\n")
        if embed {
            html.raw("<h1>")
            html.text(model.programName)
            html.raw(" <span class=\"period\">")
            html.text(model.periodLabel)
            html.raw("</span></h1>\n")
        }
        html.raw(model.empty ? "<p class=\"empty\">" : "<p class=\"empty\" hidden>")
        html.text(t.empty)
        html.raw("</p>\n")
        ranking(caption: model.caption, rows: model.rows, board: true, text: t, into: &html)
        html.hole(.viewer)
        html.raw("</main>\n</body>\n</html>\n")
        return RenderedPage(html)
    }

    /// The end of a ranking row's `class` attribute on the viewer's own row.
    static let viewerMark = Array(" viewer\" aria-current=\"true\"".utf8)
    /// The end of any other row's `class` attribute.
    static let rowClassEnd = Array("\"".utf8)

    /// The viewer's own row under the ranking, and on the page how far the next place is.
    static func viewerSection(_ part: ViewerPart, embed: Bool, text t: PageText, into html: inout HTMLWriter) {
        if embed {
            html.raw("<div class=\"you\">")
        } else {
            html.raw("<section class=\"you\"")
            html.attribute("aria-label", t.you)
            html.raw(">\n")
        }
        ranking(caption: t.you, rows: [part.row], board: false, text: t, into: &html)
        if !embed {
            html.raw("<p>")
            html.text(part.summary)
            html.raw("</p>")
        }
        html.raw(embed ? "</div>\n" : "</section>\n")
    }

    /// The challenges under way that count the viewer: each with its progress and what the viewer added.
    static func challengesSection(_ views: [ChallengeView], memberId: String, language: PageLanguage, into html: inout HTMLWriter) {
        let p = ProfileText.of(language)
        func number(_ value: Int64) -> String { value.formatted(.number.locale(language.locale)) }
        html.raw("<section class=\"challenges\"")
        html.attribute("aria-label", p.challenges)
        html.raw(">\n<h2>")
        html.text(p.challenges)
        html.raw("</h2>\n<ul class=\"challenges\">")
        for view in views {
            let state = String(format: view.reachedAt == nil ? p.challengeProgress : p.challengeReached, number(view.standing.progress),
                               number(view.challenge.target))
            html.raw("<li")
            html.attribute("data-challenge-id", view.challenge.id)
            html.raw("><strong>")
            html.text(view.challenge.name)
            html.raw("</strong> <progress")
            html.attribute("max", String(view.challenge.target))
            html.attribute("value", String(min(view.standing.progress, view.challenge.target)))
            html.attribute("aria-label", "\(view.challenge.name): \(state)")
            html.raw("></progress> ")
            html.text(state + " · " + String(format: p.challengeMine, number(view.values[memberId] ?? 0)))
            html.raw("</li>")
        }
        html.raw("</ul>\n</section>\n")
    }

    static func tabs(_ tabs: [BoardModel.Tab], into html: inout HTMLWriter) {
        for tab in tabs {
            html.raw("<li><a")
            html.attribute("href", tab.href)
            if tab.current { html.raw(" aria-current=\"page\"") }
            html.raw(">")
            html.text(tab.label)
            html.raw("</a></li>")
        }
    }

    /// A ranking as a table: rank, member (a link to their page), team, points; the first three marked, the viewer's row
    /// `aria-current`; the live board's carries `data-board`.
    private static func ranking(caption: String, rows: [BoardModel.Row], board: Bool, text t: PageText, into html: inout HTMLWriter) {
        html.raw(board ? "<table class=\"ranking\" data-board>\n<caption>" : "<table class=\"ranking\">\n<caption>")
        html.text(caption)
        html.raw("</caption>\n<thead><tr><th scope=\"col\">")
        html.text(t.rank)
        html.raw("</th><th scope=\"col\">")
        html.text(t.member)
        html.raw("</th><th scope=\"col\" class=\"team\">")
        html.text(t.team)
        html.raw("</th><th scope=\"col\" class=\"num\">")
        html.text(t.points)
        html.raw("</th></tr></thead>\n<tbody>\n")
        for row in rows {
            html.raw("<tr")
            html.attribute("data-member-id", row.memberId)
            html.raw(" data-rank=\"\(row.rank)\" data-points=\"\(row.points)\" class=\"place-\(row.place)")
            if row.isViewer {
                html.raw(viewerMark)
            } else if board, !row.memberId.isEmpty {
                html.hole(.mark(memberId: row.memberId))
            } else {
                html.raw("\"")
            }
            html.raw(">")
            html.raw("<td class=\"rank\">")
            html.text(row.rankText)
            html.raw("</td><th scope=\"row\">")
            if let href = row.href {
                html.raw("<a")
                html.attribute("href", href)
                html.raw(">")
                html.text(row.name)
                html.raw("</a>")
            } else {
                html.text(row.name)
            }
            html.raw("</th><td class=\"team\">")
            html.text(row.team)
            html.raw("</td><td class=\"num\">")
            html.text(row.pointsText)
            html.raw("</td></tr>\n")
        }
        html.raw("</tbody>\n</table>\n")
    }
}
