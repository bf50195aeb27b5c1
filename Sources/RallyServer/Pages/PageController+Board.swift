import Foundation
import Hummingbird
import RallyCore
import RallyLeaderboards
import RallyLedger
import RallyStorage

/// The leaderboard page's model: what the templates show, every text already in the page's language. It is the same for
/// every viewer of the board (their token is `RenderedPage.tokenStandIn`); what is theirs is `ViewerPart`.
struct BoardModel {
    struct Tab {
        var href: String
        var label: String
        var current: Bool
    }

    struct Hidden {
        var name: String
        var value: String
    }

    struct Row {
        var memberId: String
        var rank: Int
        var points: Int64
        /// 1, 2 or 3 on the podium, else 0.
        var place: Int
        var rankText: String
        var name: String
        var team: String
        var pointsText: String
        /// Marked as the viewer's; on the shared ranking, the mark is a hole filled for each viewer instead.
        var isViewer: Bool
        /// The member's page, for a member shown by name.
        var href: String?
    }

    var lang: String
    var kind: String
    var title: String
    var t: PageText
    var p: ProfileText
    var programName: String
    var periodLabel: String
    /// The links to the program's pages (the viewer's own page is theirs: `RenderedPage.Hole.myPage`).
    var links: [Tab]
    var tabs: [Tab]
    var path: String
    var hidden: [Hidden]
    var team: String
    var region: String
    var caption: String
    var rows: [Row]
    var empty: Bool
    /// The live ranking's stream (token and board options carried on), for the script.
    var liveURL: String
    /// The viewer's place on the board (`placeJSON`), for the script to keep the pinned row live.
    var placeURL: String
    /// A member's page is this with `{id}` replaced (token and language carried on), for the script.
    var memberLink: String
}

/// What a written leaderboard page depends on besides its board's revision.
struct RenderedBoardKey: Hashable, Sendable {
    var path: String
    var language: PageLanguage
    /// The query options that choose the board and the tab.
    var options: [String: String]
}

/// What the leaderboard page shows of its viewer when the ranking does not: their row, and how far the next place is.
struct ViewerPart {
    var row: BoardModel.Row
    var summary: String
}

extension PageController {
    /// The tabs, in order: the query options each sets, and its label.
    static func tabs(_ text: PageText) -> [(options: [(String, String)], label: String)] {
        [([("period", "week")], text.week), ([("period", "month")], text.month), ([("period", "quarter")], text.quarter),
         ([("period", "year")], text.year), ([("period", "all")], text.all), ([("period", "rolling"), ("days", "30")], text.last30)]
    }

    /// The leaderboard page (or the widget): written once per board revision, language and options, then filled for the
    /// viewer with their token, their links, their row marked and their own place.
    func boardPage(_ query: Query, viewer: Viewer, path: String, tokenText: String, embed: Bool) async throws -> [UInt8] {
        let program = viewer.program
        let span = try LeaderboardController.board(query, program: program)
        let scope = try LeaderboardController.scope(query, program: program)
        let page = try await leaderboards.page(program: program, scope: scope, span: span, offset: 0, limit: 10)
        let key = RenderedBoardKey(path: path, language: viewer.language, options: WatchedBoard(program: program.id, query: query).options)
        let rendered = rendered.value(revision: page.revision, key: key) {
            Self.boardHTML(board(query, page: page, span: span, viewer: viewer, path: path, embed: embed), embed: embed)
        }

        let part = page.entries.contains { $0.memberId != nil && $0.memberId == viewer.token.memberId } ? nil
            : try await place(viewer: viewer, scope: scope, span: span, token: tokenText)
        var under: [ChallengeView] = []
        if !embed, let memberId = viewer.token.memberId { under = try await challenges.underWay(program: program.id, memberId: memberId) }
        // Percent-encoded, the token holds nothing HTML escapes.
        let token = Array(Self.encodeValue(tokenText).utf8)
        return rendered.filled(capacity: rendered.chunks.reduce(512) { $0 + $1.count }) { hole, html in
            switch hole {
            case .token: html.raw(token)
            case .myPage: if let link = myPageLink(viewer, token: tokenText, current: "") { Self.tabs([link], into: &html) }
            case let .mark(memberId): html.raw(memberId == viewer.token.memberId ? Self.viewerMark : Self.rowClassEnd)
            case .viewerId: html.text(viewer.token.memberId ?? "")
            case .viewer:
                if let part { Self.viewerSection(part, embed: embed, text: viewer.text, into: &html) }
                if !under.isEmpty, let memberId = viewer.token.memberId {
                    Self.challengesSection(under, memberId: memberId, language: viewer.language, into: &html)
                }
            }
        }
    }

    /// The viewer's own row on the board, and how far the next place is; nil without a member, or off the board.
    func place(viewer: Viewer, scope: BoardScope, span: BoardSpan, token: String) async throws -> ViewerPart? {
        guard let memberId = viewer.token.memberId,
              let place = try await leaderboards.place(program: viewer.program, scope: scope, span: span, memberId: memberId),
              place.entry.memberId == memberId else { return nil }
        let text = viewer.text, language = viewer.language
        return ViewerPart(row: row(place.entry, viewer: viewer, token: token),
                          summary: place.next.map { PageLanguage.fill(text.toNext, language.number($0.points - place.entry.points), language.number($0.rank)) }
                              ?? text.leader)
    }

    /// `GET /p/{programId}/place`: the viewer's place on the board the query chooses, for the script to keep the pinned row
    /// live: `{"row": {"memberId", "rank", "points", "name", "team"} | null, "summary": "25 points behind #11" | null}`.
    func placeJSON(_ query: Query, viewer: Viewer, token: String) async throws -> [UInt8] {
        let span = try LeaderboardController.board(query, program: viewer.program)
        let scope = try LeaderboardController.scope(query, program: viewer.program)
        let part = try await place(viewer: viewer, scope: scope, span: span, token: token)
        return JSONWriter.encode(PlaceBody(part: part))
    }

    struct PlaceBody: JSONWritable {
        var part: ViewerPart?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("row")
                if let row = part?.row {
                    json.object { json in
                        json.field("memberId", row.memberId)
                        json.field("rank", row.rank)
                        json.field("points", row.points)
                        json.field("name", row.name)
                        json.field("team", row.team.isEmpty ? nil : row.team)
                    }
                } else {
                    json.null()
                }
                json.field("summary", part?.summary)
            }
        }
    }

    private func row(_ entry: LeaderboardEntry, viewer: Viewer, token: String) -> BoardModel.Row {
        BoardModel.Row(memberId: entry.memberId ?? "", rank: entry.rank, points: entry.points, place: entry.rank <= 3 ? entry.rank : 0,
                       rankText: viewer.language.number(entry.rank), name: entry.displayName ?? entry.memberId ?? viewer.text.anonymous,
                       team: entry.team ?? "", pointsText: viewer.language.number(entry.points),
                       isViewer: token != RenderedPage.tokenStandIn && entry.memberId != nil && entry.memberId == viewer.token.memberId,
                       href: entry.memberId.map { "/p/\(viewer.program.id)/members/\($0)?" + Self.encode([("token", token), ("lang", viewer.language.rawValue)]) })
    }

    /// The page as every viewer of `page` sees it.
    private func board(_ query: Query, page: LeaderboardPage, span: BoardSpan, viewer: Viewer, path: String, embed: Bool) -> BoardModel {
        let program = viewer.program, text = viewer.text, token = RenderedPage.tokenStandIn
        let rows = page.entries.map { row($0, viewer: viewer, token: token) }
        // Links keep the token, the language and the filter; each tab sets its own period.
        var kept: [(String, String)] = [("token", token), ("lang", viewer.language.rawValue)]
        for name in ["team", "region", "campaign"] { if let value = query.value(name) { kept.append((name, value)) } }
        let currentOptions = Self.tabOptions(query)
        let tabs = Self.tabs(text).map { tab in
            BoardModel.Tab(href: path + "?" + Self.encode(kept + tab.options), label: tab.label,
                           current: tab.options.allSatisfy { currentOptions[$0.0] == $0.1 } && currentOptions.count == tab.options.count)
        }
        let hiddenOptions = [("token", token), ("lang", viewer.language.rawValue)] + currentOptions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let boardOptions = WatchedBoard(program: program.id, query: query).options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let liveURL = "/p/\(program.id)/live?" + Self.encode([("token", token)] + boardOptions)
        let placeURL = "/p/\(program.id)/place?" + Self.encode([("token", token)] + boardOptions)
        let label = Self.periodLabel(span, current: tabs.first { $0.current }?.label, language: viewer.language, timeZone: program.timeZone)
        return BoardModel(lang: viewer.language.rawValue, kind: embed ? "embed" : "leaderboard", title: "\(program.name) · \(label)", t: text,
                          p: ProfileText.of(viewer.language), programName: program.name, periodLabel: label,
                          links: programLinks(viewer, token: token, current: ""), tabs: tabs, path: path,
                          hidden: hiddenOptions.map { BoardModel.Hidden(name: $0.0, value: $0.1) },
                          team: query.value("team") ?? "", region: query.value("region") ?? "", caption: label, rows: rows, empty: rows.isEmpty,
                          liveURL: liveURL, placeURL: placeURL,
                          memberLink: "/p/\(program.id)/members/{id}?" + Self.encode([("token", token), ("lang", viewer.language.rawValue)]))
    }

    /// The options that choose the days, as the query gives them (`period=week` when it gives none).
    static func tabOptions(_ query: Query) -> [String: String] {
        var options: [String: String] = [:]
        for name in ["period", "days", "at", "from", "to"] { options[name] = query.value(name) }
        if options.isEmpty { options["period"] = "week" }
        return options
    }

    /// A query string: each value percent-encoded but for ASCII letters, digits and `-._~`.
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\(encodeValue($0.1))" }.joined(separator: "&")
    }

    /// A value percent-encoded but for ASCII letters, digits and `-._~` (a viewer token has nothing else: it comes back as
    /// it is, unwritten).
    static func encodeValue(_ value: String) -> String {
        func isUnreserved(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
            default: false
            }
        }
        if value.utf8.allSatisfy(isUnreserved) { return value }
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in value.utf8 {
            if isUnreserved(byte) { bytes.append(byte) } else { bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]] }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The tab's name and the days it covers, in the page's language and the program's time zone.
    static func periodLabel(_ span: BoardSpan, current: String?, language: PageLanguage, timeZone: TimeZone) -> String {
        func day(_ date: Date, in zone: TimeZone) -> String { language.day(date, in: zone) }
        let days: String?
        switch span {
        case let .window(_, first, last):
            let utc = TimeZone(identifier: "UTC")!
            days = "\(day(Date(timeIntervalSince1970: Double(first.daysSinceEpoch) * 86_400), in: utc)) – \(day(Date(timeIntervalSince1970: Double(last.daysSinceEpoch) * 86_400), in: utc))"
        case let .period(period):
            days = period.start.flatMap { start in period.end.map { "\(day(start, in: timeZone)) – \(day($0.addingTimeInterval(-1), in: timeZone))" } }
        }
        return [current, days].compactMap { $0 }.joined(separator: " · ")
    }
}
