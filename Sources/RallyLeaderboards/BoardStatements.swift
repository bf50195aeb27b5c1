import Foundation
import Postgres
import RallyCore
import RallyStorage

/// The standings of ranked members on every board Redis keeps at `now` (of every program, or of one), unordered: a
/// period's total is the sum of its days, reached when the last of them was. Rows decoded by `MemberTotals.BoardTotal`;
/// what the maintenance check compares Redis with.
struct StandingsQuery: PostgresQuery {
    /// Per program, the first local day of each kind's oldest kept period (its time zone decides which day it is).
    struct KeptDays {
        var program: String
        var firstDays: [PeriodKind: String]
    }

    static let kept = PostgresColumns<KeptDays>([.text("program_id") { $0.program }]
        + BoardRetention.kinds.map { kind in .date("first_\(kind.rawValue)") { $0.firstDays[kind] ?? "-infinity" } })

    /// `$1` the program (NULL: every program), then the kept days.
    static let sql = """
        WITH \(totals)
        SELECT s.program_id, s.member_id, s.period, s.points, extract(epoch FROM s.reached_at) AS reached_at,
               m.enrolled, m.visibility, m.team, m.region
        FROM totals s JOIN members m USING (program_id, member_id)
        WHERE \(MemberSnapshot.rankedCondition("m"))
        """

    /// `totals`: every member's total on each kept period (and all time), with when it was reached, as one pass over their
    /// days: each day is summed into every kept period it falls in. `$1` the program (NULL: every program), then the kept days.
    static let totals = """
            kept AS (SELECT * FROM \(kept.unnest(from: 2, as: "k"))),
            totals AS (
                SELECT d.program_id, d.member_id, p.period, sum(d.points) AS points, max(d.reached_at) AS reached_at
                FROM member_days d JOIN kept k ON k.program_id = d.program_id
                CROSS JOIN LATERAL \(keptPeriods) AS p(period, kept)
                WHERE ($1::text IS NULL OR d.program_id = $1) AND p.kept
                GROUP BY d.program_id, d.member_id, p.period
                UNION ALL
                SELECT program_id, member_id, 'all', points, reached_at FROM member_totals WHERE $1::text IS NULL OR program_id = $1)
            """

    /// Per day row `d` of a program whose kept days are `k`: each tracked period's key, and whether Redis keeps its board.
    static let keptPeriods: String = {
        let periods = PeriodKind.tracked.compactMap { kind in
            MemberTotals.keyFormat(kind).map { "(to_char(d.day, '\($0)'), d.day >= k.first_\(kind.rawValue))" }
        }
        return "(VALUES \(periods.joined(separator: ", ")))"
    }()

    var program: String?
    var keptDays: [KeptDays]
    var bindings: [any PostgresBindable] { [program] + Self.kept.bindings(keptDays) }

    /// The query as of `now` under `retention`, with the time zones of the programs it covers read first.
    static func load(program: String?, retention: BoardRetention, now: Date, on connection: PostgresConnection) throws -> StandingsQuery {
        StandingsQuery(program: program, keptDays: keptDays(zones: try connection.rows(ProgramZones(program: program)), retention: retention, now: now))
    }

    /// Each program's kept days as of `now` under `retention`, computed in its time zone.
    static func keptDays(zones: [(id: String, zone: String)], retention: BoardRetention, now: Date) -> [KeptDays] {
        zones.compactMap { id, zone in
            guard let calendar = PeriodCalendar(timeZoneIdentifier: zone) else { return nil }
            let today = calendar.localDate(of: now)
            var firstDays: [PeriodKind: String] = [:]
            for kind in BoardRetention.kinds {
                // Before year 1 (a retention of thousands of years), every day is kept.
                firstDays[kind] = retention.firstKeptDay(kind, today: today).flatMap { $0.year >= 1 ? PeriodCalendar.dayKey($0) : nil }
            }
            return KeptDays(program: id, firstDays: firstDays)
        }
    }

    static func decode(_ row: PostgresRow) throws -> MemberTotals.BoardTotal {
        try MemberTotals.BoardTotal(row)
    }
}

/// What a rebuild writes on boards: `StandingsQuery`'s totals of every member (ranked or not: the rebuild keeps those it
/// listed), without their member's columns, in the order they were reached: each period's standings come in the order
/// the rebuild numbers them in (as the live path numbers a period's updates), the periods interleaved. PostgreSQL sorts
/// every row before it sends the first: the rows are kept narrow and the first key a timestamp, quick to compare.
struct ReachedStandings: PostgresStatement {
    static let sql = """
        WITH \(StandingsQuery.totals)
        SELECT program_id, member_id, period, points FROM totals
        ORDER BY reached_at, member_id
        """

    var query: StandingsQuery
    var bindings: [any PostgresBindable] { query.bindings }
}

/// The standings of given members of one program (ranked or not) on every board Redis keeps: `StandingsQuery`'s rows,
/// read through the members' own days (an index look-up each, where `StandingsQuery` reads every day of the program).
/// What a resync of a batch of members reads.
struct ChosenStandingsQuery: PostgresQuery {
    static let sql = """
        WITH kept AS (SELECT * FROM \(StandingsQuery.kept.unnest(from: 3, as: "k"))),
             chosen AS (SELECT program_id, member_id, enrolled, visibility, team, region FROM members
                        WHERE program_id = $1 AND member_id = ANY($2::text[]))
        SELECT c.program_id, c.member_id, p.period, sum(d.points) AS points, extract(epoch FROM max(d.reached_at)) AS reached_at,
               c.enrolled, c.visibility, c.team, c.region
        FROM chosen c JOIN kept k ON k.program_id = c.program_id
        JOIN member_days d ON d.program_id = c.program_id AND d.member_id = c.member_id
        CROSS JOIN LATERAL \(StandingsQuery.keptPeriods) AS p(period, kept)
        WHERE p.kept
        GROUP BY c.program_id, c.member_id, p.period, c.enrolled, c.visibility, c.team, c.region
        UNION ALL
        SELECT c.program_id, c.member_id, 'all', t.points, extract(epoch FROM t.reached_at), c.enrolled, c.visibility, c.team, c.region
        FROM chosen c JOIN member_totals t ON t.program_id = c.program_id AND t.member_id = c.member_id
        """

    var program: String
    var memberIds: [String]
    var keptDays: [StandingsQuery.KeptDays]
    var bindings: [any PostgresBindable] { [program, memberIds] + StandingsQuery.kept.bindings(keptDays) }

    /// The query as of `now` under `retention`, with the program's time zone read first.
    static func load(program: String, memberIds: [String], retention: BoardRetention, now: Date,
                     on connection: PostgresConnection) throws -> ChosenStandingsQuery {
        ChosenStandingsQuery(program: program, memberIds: memberIds,
                             keptDays: StandingsQuery.keptDays(zones: try connection.rows(ProgramZones(program: program)), retention: retention, now: now))
    }

    static func decode(_ row: PostgresRow) throws -> MemberTotals.BoardTotal {
        try MemberTotals.BoardTotal(row)
    }
}

/// Each program's id and time zone (of every program, or of one).
struct ProgramZones: PostgresQuery {
    static let sql = "SELECT id, timezone FROM programs WHERE $1::text IS NULL OR id = $1"

    var program: String?
    var bindings: [any PostgresBindable] { [program] }

    static func decode(_ row: PostgresRow) throws -> (id: String, zone: String) {
        (try row.string("id"), try row.string("timezone"))
    }
}

/// The revision of each member's standings (of every program, or of one; of the given members only, when given); absent
/// for members who never earned points.
struct StandingRevisions: PostgresQuery {
    static let sql = """
        SELECT program_id, member_id, revision FROM member_totals
        WHERE ($1::text IS NULL OR program_id = $1) AND ($2::text[] IS NULL OR member_id = ANY($2::text[]))
        """

    var program: String?
    var memberIds: [String]?
    var bindings: [any PostgresBindable] { [program, memberIds] }

    static func decode(_ row: PostgresRow) throws -> (member: MemberRef, revision: Int64) {
        (MemberRef(program: try row.string("program_id"), id: try row.string("member_id")), try row.int64("revision"))
    }
}

/// How ranked members are listed on boards (of every program, or of one): rows for `Listing` and `MemberSnapshot`.
struct RankedListings: PostgresStatement {
    static let sql = """
        SELECT program_id, member_id, display_name, enrolled, visibility, team, region FROM members m
        WHERE ($1::text IS NULL OR program_id = $1) AND \(MemberSnapshot.rankedCondition("m"))
        """

    var program: String?
    var bindings: [any PostgresBindable] { [program] }
}

/// The revision and scopes of every member with a total (of every program, or of one).
struct Placements: PostgresStatement {
    static let sql = """
        SELECT t.program_id, t.member_id, t.revision, m.enrolled, m.visibility, m.team, m.region
        FROM member_totals t JOIN members m USING (program_id, member_id)
        WHERE $1::text IS NULL OR t.program_id = $1
        """

    var program: String?
    var bindings: [any PostgresBindable] { [program] }
}

/// Every member (of every program, or of one) as the projection should hold them: rows for `ExpectedPlacement`.
struct ExpectedPlacements: PostgresStatement {
    static let sql = """
        SELECT m.program_id, m.member_id, m.display_name, m.team, m.region, m.enrolled, m.visibility, coalesce(t.revision, 0) AS revision
        FROM members m LEFT JOIN member_totals t USING (program_id, member_id)
        WHERE $1::text IS NULL OR m.program_id = $1
        """

    var program: String?
    var bindings: [any PostgresBindable] { [program] }
}

/// Given members of a program, as boards list and place them.
struct MembersAsListed: PostgresQuery {
    static let sql = """
        SELECT member_id, display_name, team, region, enrolled, visibility FROM members WHERE program_id = $1 AND member_id = ANY($2::text[])
        """

    var program: String
    var memberIds: [String]
    var bindings: [any PostgresBindable] { [program, memberIds] }

    static func decode(_ row: PostgresRow) throws -> (id: String, listing: Listing, state: MemberSnapshot) {
        (try row.string("member_id"), try Listing(row), try MemberSnapshot(row))
    }
}
