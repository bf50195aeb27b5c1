import Foundation
import Postgres
import RallyCore
import RallyStorage

/// Members' totals as PostgreSQL holds them: lifetime points (and the revision of the member's standings) in
/// `member_totals`, any period's points as the sum of its local days in `member_days`. The one place they are read.
package enum MemberTotals {
    /// Lifetime, week and month points of a member at one moment; nil where they have none.
    package struct Summary {
        package var lifetime: Int64?
        package var week: Int64?
        package var month: Int64?

        package init(lifetime: Int64? = nil, week: Int64? = nil, month: Int64? = nil) {
            self.lifetime = lifetime
            self.week = week
            self.month = month
        }
    }

    /// The `to_char` format that writes a period's key from a local day as `PeriodCalendar` does (nil for all time).
    static func keyFormat(_ kind: PeriodKind) -> String? {
        switch kind {
        case .day: "YYYY-MM-DD"
        case .week: #"IYYY-"W"IW"#
        case .month: "YYYY-MM"
        case .quarter: #"YYYY-"Q"Q"#
        case .year: "YYYY"
        case .all, .rolling, .range: nil
        }
    }

    /// The local days `[first, end)` a period spans, as `YYYY-MM-DD`.
    static func days(of period: Period, in calendar: PeriodCalendar) -> (first: String, end: String)? {
        guard let start = period.start, let end = period.end else { return nil }
        return (PeriodCalendar.dayKey(calendar.localDate(of: start)), PeriodCalendar.dayKey(calendar.localDate(of: end)))
    }

    /// A member's points over each of `periods` (0 where they have none): sums of their days in `member_days`.
    static func points(program: ProgramContext, memberId: String, periods: [Period], on connection: PostgresConnection) throws -> [Int64] {
        guard !periods.isEmpty else { return [] }
        var parameters: [String?] = [program.id, memberId]
        let sums = periods.enumerated().map { index, period -> String in
            guard let (first, end) = days(of: period, in: program.calendar) else { return "coalesce(sum(points), 0)::bigint AS p\(index)" }
            parameters += [first, end]
            return "coalesce(sum(points) FILTER (WHERE day >= $\(parameters.count - 1)::date AND day < $\(parameters.count)::date), 0)::bigint AS p\(index)"
        }
        let row = try connection.query("SELECT \(sums.joined(separator: ", ")) FROM member_days WHERE program_id = $1 AND member_id = $2", parameters)[0]
        return try periods.indices.map { try row.int64("p\($0)") }
    }

    /// The summaries of the given members of a program, for the week and month containing `now`.
    package static func summaries(program: ProgramContext, memberIds: [String], now: Date, on connection: PostgresConnection) throws -> [String: Summary] {
        guard !memberIds.isEmpty, let days = SummaryDays(program, now: now) else { return [:] }
        return Dictionary(try connection.rows(MemberSummaries(program: program.id, memberIds: memberIds, days: days))
            .map { ($0.memberId, $0.summary) }) { _, last in last }
    }

    /// Every team with enrolled members (of `region` only, when given): how many, and the points they earned over the
    /// local days `[first, end)` (nil: all time): `TeamTotals`.
    static func teamTotals(program: String, days: (first: String, end: String)?, region: String?,
                           on connection: PostgresConnection) throws -> [TeamTotal] {
        try connection.rows(TeamTotals(program: program, region: region, days: days))
    }

    /// A board computed from `member_days`, for periods whose boards Redis no longer keeps (and from
    /// `member_campaign_days` for a campaign's, which Redis never holds): the ranked members of `scope` with points on
    /// the local days `[first, end)` (`-infinity`/`infinity` for all time), best first; among equal points, whoever reached them first
    /// (`tiesByReached`, as period boards order them) or by member id (as window boards do).
    struct DayRange {
        var first: String
        var end: String
        var tiesByReached: Bool
    }

    /// One page of a board computed from `member_days`, and how many members it ranks.
    static func page(program: String, scope: BoardScope, days: DayRange, offset: Int, limit: Int,
                     on connection: PostgresConnection) throws -> (total: Int, entries: [LeaderboardEntry]) {
        let rows = try connection.run(ComputedBoard.Page(program: program, scope: scope, days: days, offset: offset, limit: limit))
        let entries = try rows.map { row in
            LeaderboardEntry(rank: Int(try row.int64("rank")), memberId: try row.string("member_id"), listing: try Listing(row),
                             points: try row.int64("points"))
        }
        if let first = rows.first { return (Int(try first.int64("total")), entries) }
        let count = try connection.run(ComputedBoard.Size(program: program, scope: scope, days: days))
        return (Int(try count.first?.int64("total") ?? 0), [])
    }

    /// A member's 0-based position on a board computed from PostgreSQL, or nil when they are not on it.
    static func position(program: String, scope: BoardScope, days: DayRange, memberId: String, on connection: PostgresConnection) throws -> Int? {
        try connection.run(ComputedBoard.Position(program: program, scope: scope, days: days, memberId: memberId)).first
            .map { Int(try $0.int64("position")) - 1 }
    }

    /// One member's total on one board.
    struct BoardTotal {
        var program: String
        var memberId: String
        /// The member's team and region now: with their ranking, which boards the total stands on.
        var member: MemberSnapshot
        var period: String
        var points: Int64
        var reachedAt: Date

        /// From a row of `StandingsQuery`.
        init(_ row: PostgresRow) throws {
            self.init(program: try row.string("program_id"), memberId: try row.string("member_id"), member: try MemberSnapshot(row),
                      period: try row.string("period"), points: try row.int64("points"),
                      reachedAt: Date(timeIntervalSince1970: try row.double("reached_at")))
        }

        init(program: String, memberId: String, member: MemberSnapshot, period: String, points: Int64, reachedAt: Date) {
            self.program = program
            self.memberId = memberId
            self.member = member
            self.period = period
            self.points = points
            self.reachedAt = reachedAt
        }
    }

    /// The standings of ranked members on every board Redis keeps at `now` (of every program, or of one): `StandingsQuery`.
    static func standings(program: String?, retention: BoardRetention, now: Date, on connection: PostgresConnection) throws -> [BoardTotal] {
        try connection.rows(StandingsQuery.load(program: program, retention: retention, now: now, on: connection))
    }

    /// Standings on the boards they stand on: each period's total in every scope of its member.
    static func boards(_ standings: [BoardTotal]) -> [Board: [BoardTotal]] {
        Dictionary(grouping: standings.flatMap { row in row.member.scopes.map { (row, Board(program: row.program, scope: $0, period: row.period)) } }) {
            $0.1
        }.mapValues { $0.map(\.0) }
    }

    /// The standings of the given members of a program on every board Redis keeps at `now`, whether they stand there
    /// now or not (`ChosenStandingsQuery`).
    static func standings(program: String, memberIds: [String], retention: BoardRetention, now: Date,
                          on connection: PostgresConnection) throws -> [BoardTotal] {
        try connection.rows(ChosenStandingsQuery.load(program: program, memberIds: memberIds, retention: retention, now: now, on: connection))
    }

    /// The revision of each member's standings (of every program, or of the given members of one): `StandingRevisions`.
    static func revisions(program: String?, memberIds: [String]? = nil, on connection: PostgresConnection) throws -> [MemberRef: Int64] {
        Dictionary(try connection.rows(StandingRevisions(program: program, memberIds: memberIds)).map { ($0.member, $0.revision) }) { _, last in last }
    }
}

extension MemberTotals.Summary {
    /// From a row with `lifetime`, `week` and `month` columns.
    package init(_ row: PostgresRow) {
        self.init(lifetime: row.optionalString("lifetime").flatMap { Int64($0) }, week: row.optionalString("week").flatMap { Int64($0) },
                  month: row.optionalString("month").flatMap { Int64($0) })
    }
}
