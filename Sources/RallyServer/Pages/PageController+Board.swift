import Foundation
import Hummingbird
import RallyCore
import RallyLeaderboards
import RallyStorage

/// The leaderboard page's model: what the templates show, every text already in the page's language.
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
        var isViewer: Bool
        /// The member's page, for a member shown by name.
        var href: String?
    }

    struct Pinned {
        var caption: String
        var rows: [Row]
    }

    struct ViewerPart {
        /// The viewer's own row, when the ranking above does not show it.
        var pinned: Pinned?
        var summary: String?
    }

    var lang: String
    var kind: String
    var title: String
    var t: PageText
    var p: ProfileText
    var links: [Tab]
    var programName: String
    var periodLabel: String
    var tabs: [Tab]
    var path: String
    var hidden: [Hidden]
    var team: String
    var region: String
    var caption: String
    var rows: [Row]
    var empty: Bool
    var viewer: ViewerPart?
    /// The live ranking's stream (token and board options carried on), for the script.
    var liveURL: String
    /// A member's page is this with `{id}` replaced (token and language carried on), for the script.
    var memberLink: String
    var viewerId: String
}

extension PageController {
    /// The tabs, in order: the query options each sets, and its label.
    static func tabs(_ text: PageText) -> [(options: [(String, String)], label: String)] {
        [([("period", "week")], text.week), ([("period", "month")], text.month), ([("period", "quarter")], text.quarter),
         ([("period", "year")], text.year), ([("period", "all")], text.all), ([("period", "rolling"), ("days", "30")], text.last30)]
    }

    func board(_ query: Query, viewer: Viewer, path: String, tokenText: String, embed: Bool) async throws -> BoardModel {
        let program = viewer.program, text = viewer.text
        let span = try LeaderboardController.board(query, program: program)
        let scope = try LeaderboardController.scope(query, program: program)
        let page = try await leaderboards.page(program: program, scope: scope, span: span, offset: 0, limit: 10)
        let around = try await viewer.token.memberId.asyncMap { memberId in
            try await leaderboards.around(program: program, scope: scope, span: span, memberId: memberId, radius: 1)?.page.entries
        } ?? nil
        func row(_ entry: LeaderboardEntry) -> BoardModel.Row {
            BoardModel.Row(memberId: entry.memberId ?? "", rank: entry.rank, points: entry.points, place: entry.rank <= 3 ? entry.rank : 0,
                           rankText: viewer.language.number(entry.rank), name: entry.displayName ?? entry.memberId ?? text.anonymous,
                           team: entry.team ?? "", pointsText: viewer.language.number(entry.points),
                           isViewer: entry.memberId != nil && entry.memberId == viewer.token.memberId,
                           href: entry.memberId.map { "/p/\(program.id)/members/\($0)?" + Self.encode([("token", tokenText), ("lang", viewer.language.rawValue)]) })
        }
        let rows = page.entries.map(row)
        var viewerPart: BoardModel.ViewerPart?
        if let memberId = viewer.token.memberId, let mine = around?.first(where: { $0.memberId == memberId }) {
            let above = around?.filter { $0.rank < mine.rank }.max { $0.rank < $1.rank }
            let summary = above.map { String(format: text.toNext, viewer.language.number($0.points - mine.points), viewer.language.number($0.rank)) }
                ?? text.leader
            let shown = rows.contains { $0.isViewer }
            viewerPart = BoardModel.ViewerPart(pinned: shown ? nil : BoardModel.Pinned(caption: text.you, rows: [row(mine)]), summary: summary)
        }

        // Links keep the token, the language and the filter; each tab sets its own period.
        var kept: [(String, String)] = [("token", tokenText), ("lang", viewer.language.rawValue)]
        for name in ["team", "region", "campaign"] { if let value = query.value(name) { kept.append((name, value)) } }
        let currentOptions = Self.tabOptions(query)
        let tabs = Self.tabs(text).map { tab in
            BoardModel.Tab(href: path + "?" + Self.encode(kept + tab.options), label: tab.label,
                           current: tab.options.allSatisfy { currentOptions[$0.0] == $0.1 } && currentOptions.count == tab.options.count)
        }
        let hiddenOptions = [("token", tokenText), ("lang", viewer.language.rawValue)] + currentOptions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let boardOptions = WatchedBoard(program: program.id, query: query).options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let liveURL = "/p/\(program.id)/live?" + Self.encode([("token", tokenText)] + boardOptions)
        let label = Self.periodLabel(span, current: tabs.first { $0.current }?.label, language: viewer.language, timeZone: program.timeZone)
        return BoardModel(lang: viewer.language.rawValue, kind: embed ? "embed" : "leaderboard", title: "\(program.name) · \(label)", t: text,
                          p: ProfileText.of(viewer.language), links: embed ? [] : links(viewer, token: tokenText, current: ""),
                          programName: program.name, periodLabel: label, tabs: tabs, path: path,
                          hidden: hiddenOptions.map { BoardModel.Hidden(name: $0.0, value: $0.1) },
                          team: query.value("team") ?? "", region: query.value("region") ?? "", caption: label, rows: rows, empty: rows.isEmpty,
                          viewer: viewerPart, liveURL: liveURL,
                          memberLink: "/p/\(program.id)/members/{id}?" + Self.encode([("token", tokenText), ("lang", viewer.language.rawValue)]),
                          viewerId: viewer.token.memberId ?? "")
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
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for (index, (name, value)) in pairs.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            bytes.append(contentsOf: name.utf8)
            bytes.append(UInt8(ascii: "="))
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                    bytes.append(byte)
                default:
                    bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
                }
            }
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

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
