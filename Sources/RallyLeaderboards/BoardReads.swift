import Foundation
import Postgres
import RallyCore
import RallyStorage

/// The week and month a summary counts (`MemberSummaries`, `MemberTotals.profileSQL`): their local days `[first, end)`.
package struct SummaryDays {
    var week: (first: String, end: String)
    var month: (first: String, end: String)

    /// The week and month containing `now` in the program's zone.
    package init?(_ program: ProgramContext, now: Date) {
        guard let week = MemberTotals.days(of: program.calendar.period(.week, containing: now), in: program.calendar),
              let month = MemberTotals.days(of: program.calendar.period(.month, containing: now), in: program.calendar) else { return nil }
        self.week = week
        self.month = month
    }

    package var bindings: [any PostgresBindable] { [week.first, week.end, month.first, month.end] }

    /// The joins that give `member` (of program `$1`) its `lifetime`, `week` and `month` points (days `$3`…`$6`).
    static func joins(member: String) -> String {
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
}

/// Lifetime, week and month points of members of a program.
struct MemberSummaries: PostgresQuery {
    static let isPrepared = true
    static let sql = """
        SELECT u.member_id, t.points AS lifetime, d.week, d.month
        FROM unnest($2::text[]) AS u(member_id)
        \(SummaryDays.joins(member: "u.member_id"))
        """

    var program: String
    var memberIds: [String]
    var days: SummaryDays
    var bindings: [any PostgresBindable] { [program, memberIds] + days.bindings }

    static func decode(_ row: PostgresRow) throws -> (memberId: String, summary: MemberTotals.Summary) {
        (try row.string("member_id"), MemberTotals.Summary(row))
    }
}

extension MemberTotals {
    /// A member's row of `members` (its profile's columns) and summary (`lifetime`, `week`, `month`), with `columns` more
    /// of the same member: `$1` is the program, `$2` the member, `$3`…`$6` the summary's days (`SummaryDays.bindings`),
    /// and `columns` may use parameters from `$7` on. One row, or none when there is no such member.
    package static func profileSQL(alsoSelecting columns: [String]) -> String {
        """
        SELECT m.display_name, m.team, m.region, m.enrolled, m.visibility, m.audience::text AS audience,
               t.points AS lifetime, d.week, d.month\(columns.map { ",\n       " + $0 }.joined())
        FROM members m
        \(SummaryDays.joins(member: "$2"))
        WHERE m.program_id = $1 AND m.member_id = $2
        """
    }
}

/// Every team with enrolled members (of a region only, when given): how many, and the points they earned over local
/// days `[first, end)`, or ever. Hidden members count; members who left (`enrolled: false`) do not.
struct TeamTotals: PostgresQuery {
    static let sql: String = {
        let enrolled = "m.program_id = $1 AND m.enrolled AND m.team IS NOT NULL AND ($2::text IS NULL OR m.region = $2)"
        // One branch runs: PostgreSQL plans the statement with its parameters and drops the other.
        return """
            WITH sizes AS (SELECT m.team, count(*) AS members FROM members m WHERE \(enrolled) GROUP BY m.team),
                 earned AS (
                     SELECT team, sum(points) AS points, max(reached_at) AS reached_at FROM (
                         SELECT m.team, t.points, t.reached_at FROM member_totals t JOIN members m USING (program_id, member_id)
                         WHERE $3::date IS NULL AND \(enrolled)
                         UNION ALL
                         SELECT m.team, d.points, d.reached_at FROM member_days d JOIN members m USING (program_id, member_id)
                         WHERE $3::date IS NOT NULL AND \(enrolled) AND d.day >= $3::date AND d.day < $4::date) e
                     GROUP BY team)
            SELECT s.team, s.members, coalesce(e.points, 0) AS points, extract(epoch FROM e.reached_at) AS reached_at
            FROM sizes s LEFT JOIN earned e USING (team)
            """
    }()

    var program: String
    var region: String?
    var days: (first: String, end: String)?
    var bindings: [any PostgresBindable] { [program, region, days?.first, days?.end] }

    static func decode(_ row: PostgresRow) throws -> TeamTotal {
        TeamTotal(team: try row.string("team"), points: try row.int64("points"), members: Int(try row.int64("members")),
                  reachedAt: row.optionalString("reached_at").flatMap(Double.init).map(Date.init(timeIntervalSince1970:)))
    }
}

/// A board computed from PostgreSQL (`MemberTotals.DayRange`): the ranked members of a scope with points on local days
/// `[first, end)`, from `member_days` (or, for a campaign's board, from `member_campaign_days`), ranked best first; among
/// equal points, by who reached them first (`tiesByReached`) or by member id.
enum ComputedBoard {
    /// `$1` program, `$2`/`$3` the days, `$4` team, `$5` region, `$6` campaign (NULL where the scope has none), `$7` ties
    /// by reached; the statements' own parameters follow. One branch of the union runs: PostgreSQL plans with the
    /// parameters and drops the other.
    static let ranked = """
        WITH totals AS (
            SELECT d.member_id, sum(d.points) AS points, max(d.reached_at) AS reached_at
            FROM (SELECT member_id, points, reached_at FROM member_days
                  WHERE $6::text IS NULL AND program_id = $1 AND day >= $2::date AND day < $3::date
                  UNION ALL
                  SELECT member_id, points, reached_at FROM member_campaign_days
                  WHERE $6::text IS NOT NULL AND campaign_id = $6 AND program_id = $1 AND day >= $2::date AND day < $3::date) d
            JOIN members m ON m.program_id = $1 AND m.member_id = d.member_id
            WHERE \(MemberSnapshot.rankedCondition("m")) AND ($4::text IS NULL OR m.team = $4) AND ($5::text IS NULL OR m.region = $5)
            GROUP BY d.member_id),
        ranked AS (
            SELECT member_id, points, rank() OVER (ORDER BY points DESC) AS rank, count(*) OVER () AS total,
                   row_number() OVER (ORDER BY points DESC, CASE WHEN $7::bool THEN reached_at END, member_id) AS position
            FROM totals)
        """

    static func bindings(program: String, scope: BoardScope, days: MemberTotals.DayRange) -> [any PostgresBindable] {
        var team: String?, region: String?, campaign: String?
        switch scope {
        case .program: break
        case let .team(name): team = name
        case let .region(name): region = name
        case let .campaign(id): campaign = id
        }
        return [program, days.first, days.end, team, region, campaign, days.tiesByReached]
    }

    /// One page (`$8` offset, `$9` limit) with the board's size.
    struct Page: PostgresStatement {
        static let sql = ranked + """
            SELECT r.member_id, r.points, r.rank, r.total, m.display_name, m.team, m.visibility
            FROM ranked r JOIN members m ON m.program_id = $1 AND m.member_id = r.member_id
            WHERE r.position > $8::bigint ORDER BY r.position LIMIT $9::bigint
            """

        var program: String, scope: BoardScope, days: MemberTotals.DayRange, offset: Int, limit: Int
        var bindings: [any PostgresBindable] { ComputedBoard.bindings(program: program, scope: scope, days: days) + [offset, limit] }
    }

    /// How many members the board ranks.
    struct Size: PostgresStatement {
        static let sql = ranked + "SELECT count(*) AS total FROM ranked"

        var program: String, scope: BoardScope, days: MemberTotals.DayRange
        var bindings: [any PostgresBindable] { ComputedBoard.bindings(program: program, scope: scope, days: days) }
    }

    /// A member's 1-based position (`$8` the member).
    struct Position: PostgresStatement {
        static let sql = ranked + "SELECT position FROM ranked WHERE member_id = $8"

        var program: String, scope: BoardScope, days: MemberTotals.DayRange, memberId: String
        var bindings: [any PostgresBindable] { ComputedBoard.bindings(program: program, scope: scope, days: days) + [memberId] }
    }
}
