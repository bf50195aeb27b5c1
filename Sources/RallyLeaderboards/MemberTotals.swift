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

    /// The summaries of the given members of a program, for the week and month containing `now`.
    package static func summaries(program: ProgramContext, memberIds: [String], now: Date, on connection: PostgresConnection) throws -> [String: Summary] {
        guard !memberIds.isEmpty, let days = summaryDays(program, now: now) else { return [:] }
        let rows = try connection.query("""
            SELECT u.member_id, t.points AS lifetime, d.week, d.month
            FROM unnest($2::text[]) AS u(member_id)
            \(summaryJoins(member: "u.member_id"))
            """, [program.id, PostgresArray.literal(memberIds)] + days)
        var summaries: [String: Summary] = [:]
        for row in rows { summaries[try row.string("member_id")] = Summary(row) }
        return summaries
    }

    /// `$3`…`$6`: the first and end days of the week and of the month containing `now`.
    private static func summaryDays(_ program: ProgramContext, now: Date) -> [String?]? {
        guard let week = days(of: program.calendar.period(.week, containing: now), in: program.calendar),
              let month = days(of: program.calendar.period(.month, containing: now), in: program.calendar) else { return nil }
        return [week.first, week.end, month.first, month.end]
    }

    /// The joins that give `member` (of program `$1`) its `lifetime`, `week` and `month` points (days `$3`…`$6`).
    private static func summaryJoins(member: String) -> String {
        """
        LEFT JOIN member_totals t ON t.program_id = $1 AND t.member_id = \(member)
        LEFT JOIN LATERAL (
            SELECT sum(points) FILTER (WHERE day >= $3::date AND day < $4::date) AS week,
                   sum(points) FILTER (WHERE day >= $5::date AND day < $6::date) AS month
            FROM member_days
            WHERE program_id = $1 AND member_id = \(member) AND day >= least($3::date, $5::date) AND day < greatest($4::date, $6::date)
        ) d ON true
        """
    }

    /// Every team with enrolled members (of `region` only, when given): how many, and the points they earned over the
    /// local days `[first, end)` (nil: all time). Hidden members count; members who left (`enrolled: false`) do not.
    static func teamTotals(program: String, days: (first: String, end: String)?, region: String?,
                           on connection: PostgresConnection) throws -> [TeamTotal] {
        let enrolled = "m.program_id = $1 AND m.enrolled AND m.team IS NOT NULL AND ($2::text IS NULL OR m.region = $2)"
        let earned = days == nil
            ? "SELECT m.team, t.points, t.reached_at FROM member_totals t JOIN members m USING (program_id, member_id) WHERE \(enrolled)"
            : """
              SELECT m.team, d.points, d.reached_at FROM member_days d JOIN members m USING (program_id, member_id)
              WHERE \(enrolled) AND d.day >= $3::date AND d.day < $4::date
              """
        let rows = try connection.query("""
            WITH sizes AS (SELECT m.team, count(*) AS members FROM members m WHERE \(enrolled) GROUP BY m.team),
                 earned AS (SELECT team, sum(points) AS points, max(reached_at) AS reached_at FROM (\(earned)) e GROUP BY team)
            SELECT s.team, s.members, coalesce(e.points, 0) AS points, extract(epoch FROM e.reached_at) AS reached_at
            FROM sizes s LEFT JOIN earned e USING (team)
            """, [program, region] + (days.map { [$0.first, $0.end] } ?? []))
        return try rows.map { row in
            TeamTotal(team: try row.string("team"), points: try row.int64("points"), members: Int(try row.int64("members")),
                      reachedAt: row.optionalString("reached_at").flatMap(Double.init).map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// A board computed from `member_days`, for periods whose boards Redis no longer keeps (and from
    /// `member_campaign_days` for a campaign's, which Redis never holds): the ranked members of `scope` with points on
    /// the local days `[first, end)` (`-infinity`/`infinity` for all time), best first; among equal points, whoever reached them first
    /// (`tiesByReached`, as period boards order them) or by member id (as window boards do).
    struct DayRange {
        var first: String
        var end: String
        var tiesByReached: Bool

        /// The query's common part: `$1` program, `$2`/`$3` the days, `$4` the scope's team, region or campaign.
        func totals(scope: BoardScope) -> String {
            let narrowed = switch scope {
            case .program: "$4::text = ''" // (the whole program: $4 is empty, but every parameter must be typed)
            case .team: "m.team = $4"
            case .region: "m.region = $4"
            case .campaign: "d.campaign_id = $4"
            }
            // A campaign's board sums the points its campaign gave; the others, all of the members' points.
            let days = if case .campaign = scope { "member_campaign_days" } else { "member_days" }
            return """
                WITH totals AS (
                    SELECT d.member_id, sum(d.points) AS points, max(d.reached_at) AS reached_at
                    FROM \(days) d JOIN members m USING (program_id, member_id)
                    WHERE d.program_id = $1 AND d.day >= $2::date AND d.day < $3::date AND \(MemberState.rankedCondition("m")) AND \(narrowed)
                    GROUP BY d.member_id),
                ranked AS (
                    SELECT member_id, points, rank() OVER (ORDER BY points DESC) AS rank, count(*) OVER () AS total,
                           row_number() OVER (ORDER BY points DESC, \(tiesByReached ? "reached_at, " : "")member_id) AS position
                    FROM totals)
                """
        }

        func parameters(program: String, scope: BoardScope) -> [String?] {
            let name: String? = switch scope {
            case .program: ""
            case let .team(name), let .region(name), let .campaign(name): name
            }
            return [program, first, end, name]
        }
    }

    /// One page of a board computed from `member_days`, and how many members it ranks.
    static func page(program: String, scope: BoardScope, days: DayRange, offset: Int, limit: Int,
                     on connection: PostgresConnection) throws -> (total: Int, entries: [LeaderboardEntry]) {
        let rows = try connection.query(days.totals(scope: scope) + """
            SELECT r.member_id, r.points, r.rank, r.total, m.display_name, m.team, m.visibility
            FROM ranked r JOIN members m ON m.program_id = $1 AND m.member_id = r.member_id
            WHERE r.position > $5::bigint ORDER BY r.position LIMIT $6::bigint
            """, days.parameters(program: program, scope: scope) + [String(offset), String(limit)])
        let entries = try rows.map { row in
            LeaderboardEntry(rank: Int(try row.int64("rank")), memberId: try row.string("member_id"), listing: try Listing(row),
                             points: try row.int64("points"))
        }
        if let first = rows.first { return (Int(try first.int64("total")), entries) }
        let count = try connection.query(days.totals(scope: scope) + "SELECT count(*) AS total FROM ranked",
                                         days.parameters(program: program, scope: scope))
        return (Int(try count.first?.int64("total") ?? 0), [])
    }

    /// A member's 0-based position on a board computed from `member_days`, or nil when they are not on it.
    static func position(program: String, scope: BoardScope, days: DayRange, memberId: String, on connection: PostgresConnection) throws -> Int? {
        let rows = try connection.query(days.totals(scope: scope) + "SELECT position FROM ranked WHERE member_id = $5",
                                        days.parameters(program: program, scope: scope) + [memberId])
        return try rows.first.map { Int(try $0.int64("position")) - 1 }
    }

    /// A member's row of `members` (its profile's columns) and summary, in one statement prepared once per connection
    /// (its plan, three primary-key lookups, holds whatever the parameters); nil when there is no such member.
    package static func profile(program: ProgramContext, memberId: String, now: Date, on connection: PostgresConnection) throws -> (PostgresRow, Summary)? {
        guard let days = summaryDays(program, now: now) else { return nil }
        let rows = try connection.preparedQuery("""
            SELECT m.display_name, m.team, m.region, m.enrolled, m.visibility, m.audience::text AS audience,
                   t.points AS lifetime, d.week, d.month
            FROM members m
            \(summaryJoins(member: "$2"))
            WHERE m.program_id = $1 AND m.member_id = $2
            """, [program.id, memberId] + days)
        return rows.first.map { ($0, Summary($0)) }
    }

    /// One member's total on one board.
    struct Standing {
        var program: String
        var memberId: String
        /// The member's team and region now: with their ranking, which boards the total stands on.
        var member: MemberState
        var period: String
        var points: Int64
        var reachedAt: Date

        /// From a row of `StandingsQuery`.
        init(_ row: PostgresRow) throws {
            self.init(program: try row.string("program_id"), memberId: try row.string("member_id"), member: try MemberState(row),
                      period: try row.string("period"), points: try row.int64("points"),
                      reachedAt: Date(timeIntervalSince1970: try row.double("reached_at")))
        }

        init(program: String, memberId: String, member: MemberState, period: String, points: Int64, reachedAt: Date) {
            self.program = program
            self.memberId = memberId
            self.member = member
            self.period = period
            self.points = points
            self.reachedAt = reachedAt
        }
    }

    /// The standings of ranked members on every board Redis keeps at `now` (of every program, or of one): `StandingsQuery`.
    static func standings(program: String?, retention: BoardRetention, now: Date, on connection: PostgresConnection) throws -> [Standing] {
        try connection.rows(StandingsQuery(program: program, retention: retention, now: now, on: connection))
    }

    /// Standings (ordered as `standings` returns them) on the boards they stand on: each period's total in every scope
    /// of its member, each board's standings in the order they were reached.
    static func boards(_ standings: [Standing]) -> [Board: [Standing]] {
        Dictionary(grouping: standings.flatMap { row in row.member.scopes.map { (row, Board(program: row.program, scope: $0, period: row.period)) } }) {
            $0.1
        }.mapValues { $0.map(\.0) }
    }

    /// The standings of the given members of a program on every board Redis keeps at `now`, whether they stand there
    /// now or not.
    static func standings(program: String, memberIds: [String], retention: BoardRetention, now: Date,
                          on connection: PostgresConnection) throws -> [Standing] {
        try connection.rows(StandingsQuery(program: program, memberIds: memberIds, retention: retention, now: now, on: connection))
    }

    /// The revision of each member's standings (of every program, or of the given members of one): `StandingRevisions`.
    static func revisions(program: String?, memberIds: [String]? = nil, on connection: PostgresConnection) throws -> [MemberRef: Int64] {
        Dictionary(try connection.rows(StandingRevisions(program: program, memberIds: memberIds)).map { ($0.member, $0.revision) }) { _, last in last }
    }
}

extension MemberTotals.Summary {
    /// From a row with `lifetime`, `week` and `month` columns.
    init(_ row: PostgresRow) {
        self.init(lifetime: row.optionalString("lifetime").flatMap { Int64($0) }, week: row.optionalString("week").flatMap { Int64($0) },
                  month: row.optionalString("month").flatMap { Int64($0) })
    }
}
