import Foundation
import Postgres
import RallyCore
import RallyStorage

/// How analytics split a program: by the team or the region members were in (nil: not split).
public enum AnalyticsGrouping: String, Sendable, CaseIterable {
    case team, region
}

/// Participation of one period (and group): who was enrolled at its end, who of them did a qualifying action in it,
/// who did one for the first time ever, and their actions per kind.
public struct ParticipationFigures: Sendable, Equatable {
    public var enrolled: Int
    public var active: Int
    public var newlyActive: Int
    public var actions: [String: Int64]

    public init(enrolled: Int = 0, active: Int = 0, newlyActive: Int = 0, actions: [String: Int64] = [:]) {
        self.enrolled = enrolled
        self.active = active
        self.newlyActive = newlyActive
        self.actions = actions
    }

    /// active ÷ enrolled; nil when no one was enrolled.
    public var rate: Double? { enrolled > 0 ? Double(active) / Double(enrolled) : nil }

    public mutating func add(_ other: ParticipationFigures) {
        enrolled += other.enrolled
        active += other.active
        newlyActive += other.newlyActive
        actions.merge(other.actions, uniquingKeysWith: +)
    }
}

extension Dictionary where Key == String? {
    /// The entries in the order answers list groups: members without a group first, then by name.
    public func sortedByGroup() -> [(group: String?, value: Value)] {
        sorted { ($0.key ?? "") < ($1.key ?? "") || ($0.key == nil && $1.key != nil) }.map { ($0.key, $0.value) }
    }
}

/// One period's participation: the whole program's and, when split, each group's (nil: members without one).
public struct ParticipationPeriod: Sendable {
    public var period: AnalyticsPeriod
    public var total: ParticipationFigures
    public var groups: [(group: String?, figures: ParticipationFigures)]
}

/// The answers of one survey kind in a window, per group (nil: without one) and split into ambassadors and others.
public struct SatisfactionAnswers: Sendable {
    public var groups: [(group: String?, ambassadors: [Int], others: [Int])]
}

/// Reach on one network (nil: events without one), for one group.
public struct ReachFigures: Sendable, Equatable {
    public var shares: Int64 = 0
    public var posts: Int64 = 0
    public var potentialReach: Int64 = 0
    public var clicks: Int64 = 0

    public init(shares: Int64 = 0, posts: Int64 = 0, potentialReach: Int64 = 0, clicks: Int64 = 0) {
        self.shares = shares
        self.posts = posts
        self.potentialReach = potentialReach
        self.clicks = clicks
    }

    public mutating func add(_ other: ReachFigures) {
        shares += other.shares
        posts += other.posts
        potentialReach += other.potentialReach
        clicks += other.clicks
    }
}

/// HR's questions, answered from PostgreSQL: participation, satisfaction and reach. Reads only (but for the figures it
/// keeps of ended periods), on connections of their own so that a heavy report never holds one the writer needs, from
/// a replica when there is one close enough behind (`ReportDatabase`).
public final class AnalyticsStore: Sendable {
    public let database: ReportDatabase
    let activity: ActivityChanges
    /// Answers as computed (see `AnalyticsCache`).
    let participations: AnalyticsCache<ParticipationByGrouping>
    let satisfactions: AnalyticsCache<SatisfactionTally>

    /// How long what the background prepares is good for at first: a little longer than until its next round.
    let preparedLifetime: Duration

    /// `activity`: the writer's record of this instance's changes to programs' activity, which outdate what was kept;
    /// `preparationInterval`: how often `AnalyticsPreparation` runs, until when a large program's figures of the
    /// periods under way (and its prepared satisfaction windows) are kept; `largeAnswers`: how many members or answers
    /// make an answer about today large (10,000 by default); `clock`: what kept answers expire by.
    public init(database: ReportDatabase, activity: ActivityChanges, preparationInterval: Duration = .seconds(300),
                largeAnswers: Int? = nil, clock: any ServiceClock = ContinuousClock()) {
        self.database = database
        self.activity = activity
        preparedLifetime = preparationInterval + .seconds(10)
        participations = AnalyticsCache(large: largeAnswers, pinnedAtLeast: preparedLifetime, clock: clock)
        satisfactions = AnalyticsCache(large: largeAnswers, pinnedAtLeast: preparedLifetime, clock: clock)
    }

    /// One report's statement, with memory enough to hash a program's members rather than sort them on disk (these
    /// connections serve reports only); `writing` when it also keeps figures (on the primary, then).
    func report(_ sql: String, _ parameters: [String?] = [], writing: Bool = false) async throws -> PostgresRows {
        try await database.withConnection(writing: writing) { connection in
            try connection.execute("SET work_mem = '64MB'")
            return try connection.query(sql, parameters)
        }
    }

    /// Shares, posts, clicks and potential reach in the window, per group (the sharer's when sharing) and network:
    /// each share reaches its sharer's audience on its network as recorded at the share's instant. Retracted events and
    /// those of members not enrolled are left out.
    public func reach(program: ProgramContext, range: AnalyticsRange, grouping: AnalyticsGrouping?) async throws
        -> [(group: String?, network: String?, figures: ReachFigures)]
    {
        let window = range.window(calendar: program.calendar)
        let group = grouping.map { "(\(Self.atInstant("h.\($0.rawValue)", of: "e", at: "e.occurred_at", in: "member_enrolments")))" } ?? "NULL::text"
        let audience = Self.atInstant("(h.audience ->> e.network)::bigint", of: "e", at: "e.occurred_at", in: "member_audiences")
        let rows: PostgresRows
        rows = try await report("""
            SELECT \(group) AS grp, e.network,
                   count(*) FILTER (WHERE e.action = 'share') AS shares, count(*) FILTER (WHERE e.action = 'post') AS posts,
                   count(*) FILTER (WHERE e.action = 'click') AS clicks,
                   coalesce(sum(CASE WHEN e.action = 'share' AND e.network IS NOT NULL THEN (\(audience)) END), 0) AS potential_reach
            FROM events e
            WHERE e.program_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3 AND e.action IN ('share', 'post', 'click')
                AND e.retracted_at IS NULL AND e.status NOT IN ('not_enrolled', 'held')
            GROUP BY 1, 2
            """, [program.id, PostgresTimestamp.string(from: window.start!), PostgresTimestamp.string(from: window.end!)])
        return try rows.map { row in
            (row.optionalString("grp"), row.optionalString("network"),
             ReachFigures(shares: try row.int64("shares"), posts: try row.int64("posts"), potentialReach: try row.int64("potential_reach"),
                          clicks: try row.int64("clicks")))
        }
    }

    /// A member's value of `column` (of history rows `h`; several, comma-separated, for a `LATERAL` join) in the
    /// history `table` as of `instant`: the latest row at or before it, or the first row when the instant came before
    /// any (the member as Rally first heard of them). `row` is the alias of the row whose `member_id` is the member.
    static func atInstant(_ column: String, of row: String, at instant: String, in table: String) -> String {
        """
        SELECT \(column) FROM \(table) h WHERE h.program_id = $1 AND h.member_id = \(row).member_id
        ORDER BY h.valid_from <= \(instant) DESC, abs(extract(epoch FROM h.valid_from - \(instant))) LIMIT 1
        """
    }
}

/// A program's figures that `/metrics` shows: enrolled members now, those active (a qualifying action) in the current
/// ISO week and month of its time zone, and the eNPS of the last 90 days (nil below 5 respondents or without answers).
public struct ProgramGaugeFigures: Sendable, Equatable {
    public var program: String
    public var enrolled: Int
    public var activeWeek: Int
    public var activeMonth: Int
    public var enps: Double?

    /// The columns of `record`, as `jsonb_to_recordset` reads them back.
    static let recordColumns = "enrolled int, active_week int, active_month int, enps float8"

    /// The figures as PostgreSQL keeps them: one record.
    var record: JSONValue {
        .array([.object(["enrolled": .integer(Int64(enrolled)), "active_week": .integer(Int64(activeWeek)), "active_month": .integer(Int64(activeMonth)),
                         "enps": enps.map { .number($0) } ?? .null])])
    }
}

extension AnalyticsStore {
    /// Under what each program's gauge figures are kept in `prepared_answers`.
    static var gaugesQuestion: String { "gauges" }

    /// The gauges' figures of every program, in one statement; with `keepingFor`, kept that long for every instance
    /// (by the scheduler's leader).
    public func gaugeFigures(keepingFor lifetime: Duration? = nil) async throws -> [ProgramGaugeFigures] {
        let active = { (unit: String) in
            """
            SELECT count(DISTINCT a.member_id) FROM member_activity a
            JOIN members m ON m.program_id = a.program_id AND m.member_id = a.member_id AND m.enrolled
            WHERE a.program_id = p.id AND a.day >= date_trunc('\(unit)', p.today)::date AND a.day < (date_trunc('\(unit)', p.today) + interval '1 \(unit)')::date
                AND a.action = ANY(p.qualifying_actions) AND a.events > 0
            """
        }
        let rows = try await report("""
            SELECT p.id AS program,
                   (SELECT count(*) FROM members m WHERE m.program_id = p.id AND m.enrolled) AS enrolled,
                   (\(active("week"))) AS active_week,
                   (\(active("month"))) AS active_month,
                   (SELECT CASE WHEN count(*) >= \(SatisfactionSuppression.minimum)
                               THEN (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) * 100.0 / count(*) END
                    FROM (SELECT DISTINCT ON (member_id IS NULL, coalesce(member_id, response_id)) score FROM survey_responses s
                          WHERE s.program_id = p.id AND s.kind = 'enps' AND s.answered_at >= now() - interval '90 days'
                          ORDER BY member_id IS NULL, coalesce(member_id, response_id), answered_at DESC, response_id DESC) r) AS enps
            FROM (SELECT id, qualifying_actions, (now() AT TIME ZONE timezone)::date AS today FROM programs) p
            ORDER BY p.id
            """)
        let figures = try Self.gaugeFigures(rows)
        if let lifetime {
            try await keepPrepared(figures.map { PreparedAnswer(program: $0.program, question: Self.gaugesQuestion, answer: $0.record) }, for: lifetime)
        }
        return figures
    }

    /// The gauges' figures the scheduler's leader kept and that are still good, of every program it counted; nil when
    /// none is (no leader for a while: the caller counts them itself).
    public func preparedGaugeFigures() async throws -> [ProgramGaugeFigures]? {
        let rows = try await preparedRecords(program: nil, questions: [Self.gaugesQuestion], as: ProgramGaugeFigures.recordColumns)
        return rows.isEmpty ? nil : try Self.gaugeFigures(rows)
    }

    private static func gaugeFigures(_ rows: PostgresRows) throws -> [ProgramGaugeFigures] {
        try rows.map { row in
            ProgramGaugeFigures(program: try row.string("program"), enrolled: try row.int("enrolled"), activeWeek: try row.int("active_week"),
                                activeMonth: try row.int("active_month"), enps: try row.optionalDouble("enps"))
        }
    }
}
