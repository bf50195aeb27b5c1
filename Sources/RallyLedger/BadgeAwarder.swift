import Foundation
import Logging
import Metrics
import Postgres
import RallyCore
import RallyStorage
import ServiceLifecycle
import Synchronization

/// Gives the awards no event answer carries, in the background: a badge created or changed goes to every member who
/// already meets it (`awardRetroactively`), rank badges go to the leaders of each period that closes
/// (`closeEndedPeriods`), challenge badges to the contributors of each challenge reached (`settleChallenges`). Work is kept in PostgreSQL (a badge's `retro_cursor`), so a restart resumes
/// where it stopped, and any instance may take it (a lease keeps two from doing the same work).
public final class BadgeAwarder: Service, Sendable {
    let postgres: PostgresPool
    let programs: ProgramStore
    let logger: Logger
    let awarded: Counter
    let interval: Duration
    let membersPerChunk: Int
    let clock: any ServiceClock
    /// Period closes wait their turn among the instance's passes over whole programs.
    let passes: BackgroundPasses
    /// Period closes are the scheduler's: looked for only while this instance holds its lease (nil: always).
    let leadership: Leadership?
    /// When periods were last looked at: closes are looked for every `closeInterval`, not on every round.
    let lastCloseCheck = Mutex<ContinuousClock.Instant?>(nil)
    static let closeInterval: Duration = .seconds(10)
    /// When open challenges were last counted: every five rounds (each count reads the events of a challenge's window).
    let lastChallengeCheck = Mutex<ContinuousClock.Instant?>(nil)
    var challengeInterval: Duration { interval * 5 }

    public init(postgres: PostgresPool, programs: ProgramStore, logger: Logger, metrics: any MetricsFactory,
                interval: Duration = .seconds(1), membersPerChunk: Int = 5000, clock: any ServiceClock = ContinuousClock(),
                passes: BackgroundPasses = BackgroundPasses(), leadership: Leadership? = nil) {
        self.postgres = postgres
        self.passes = passes
        self.leadership = leadership
        self.programs = programs
        self.logger = logger
        self.awarded = Counter(label: "rally_badges_awarded_total", factory: metrics)
        self.interval = interval
        self.membersPerChunk = membersPerChunk
        self.clock = clock
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    await self.workOnce()
                    try await self.clock.sleep(for: self.interval)
                }
            }
        } catch is CancellationError {
            // Shutting down: what is left stays recorded in PostgreSQL for the next start.
        }
    }

    /// Does the background work there is now: every pending retroactive pass, then, on the scheduler's instance, every
    /// challenge reached (every `challengeInterval`) and every period closed since (every `closeInterval`).
    public func workOnce() async {
        do {
            while let (program, badgeId) = try await claimRetroactivePass() {
                try await awardRetroactively(program: program, badgeId: badgeId)
            }
            guard leadership?.isLeader ?? true else { return }
            let now = clock.now
            func due(_ check: borrowing Mutex<ContinuousClock.Instant?>, every interval: Duration) -> Bool {
                check.withLock { last in
                    guard last.map({ now - $0 >= interval }) ?? true else { return false }
                    last = now
                    return true
                }
            }
            if due(lastChallengeCheck, every: challengeInterval) { try await settleChallenges() }
            if due(lastCloseCheck, every: Self.closeInterval) { try await passes.alone { try await closeEndedPeriods() } }
        } catch is CancellationError {
        } catch {
            logger.warning("background badge awarding failed; it will be tried again", metadata: ["error": "\(error)"])
        }
    }
}

extension BadgeAwarder {
    /// How long a pass stays with the instance that took it without a word from it (renewed with every chunk).
    static let lease = "15 seconds"

    /// Takes a badge whose retroactive pass is pending and not leased to another instance (or whose lease ran out).
    func claimRetroactivePass() async throws -> (program: String, badgeId: String)? {
        let rows = try await postgres.query("""
            UPDATE badges SET retro_lease = now() + interval '\(Self.lease)'
            WHERE (program_id, badge_id) = (SELECT program_id, badge_id FROM badges
                                            WHERE retro_cursor IS NOT NULL AND deleted_at IS NULL AND (retro_lease IS NULL OR retro_lease < now())
                                            ORDER BY updated_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING program_id, badge_id
            """)
        guard let row = rows.first else { return nil }
        return (try row.string("program_id"), try row.string("badge_id"))
    }

    /// Awards a badge to every enrolled member who already meets it (`Badge.bestValue` of their whole history), members
    /// in id order, a chunk per transaction: a writer scoring the same member waits at most one chunk. An award a
    /// writer gave meanwhile is not given twice (`BadgeAwardRows.record`). The pass stops, to be taken again, when the badge
    /// changes under it.
    func awardRetroactively(program programId: String, badgeId: String) async throws {
        let program = try await programs.fresh(programId)
        guard let badge = program.badges.first(where: { $0.id == badgeId }) else { return }
        let started = ContinuousClock.now
        var total = 0
        while true {
            if Task.isCancelled {
                // Stopping: another instance (or the next start) takes the pass on at once from where it is.
                try await postgres.query("UPDATE badges SET retro_lease = NULL WHERE program_id = $1 AND badge_id = $2", [programId, badgeId])
                return
            }
            let chunk = try await postgres.transaction { [membersPerChunk] connection in
                try Self.awardChunk(badge, program: program, limit: membersPerChunk, now: Date(), on: connection)
            }
            guard let chunk else {
                logger.notice("badge changed during its retroactive pass; starting it again", metadata: ["program": "\(programId)", "badge": "\(badgeId)"])
                return
            }
            total += chunk.awarded
            awarded.increment(by: chunk.awarded)
            if chunk.finished { break }
        }
        logger.info("badge awarded retroactively", metadata: [
            "program": "\(programId)", "badge": "\(badgeId)", "awards": "\(total)", "seconds": "\((ContinuousClock.now - started).seconds)",
        ])
    }

    /// One chunk of a retroactive pass, in the current transaction: the next members after the badge's cursor, their
    /// history as the badge reads it, the awards they now earn, the cursor moved on. Nil when the badge changed (or was
    /// deleted) since the pass began.
    static func awardChunk(_ badge: Badge, program: ProgramContext, limit: Int, now: Date,
                           on connection: PostgresConnection) throws -> (awarded: Int, finished: Bool)? {
        guard let cursorRow = try connection.query("""
            SELECT retro_cursor FROM badges WHERE program_id = $1 AND badge_id = $2 AND document = $3::jsonb AND deleted_at IS NULL FOR UPDATE
            """, [program.id, badge.id, badge.document.text]).first, let cursor = cursorRow.optionalString("retro_cursor") else { return nil }
        if !badge.criteria.isEarnedByEvents {
            // Rank badges are given when their periods close, from then on; challenge badges when challenges are reached.
            try connection.query("UPDATE badges SET retro_cursor = NULL, retro_lease = NULL WHERE program_id = $1 AND badge_id = $2", [program.id, badge.id])
            return (0, true)
        }
        let (value, parameter) = bestValueQuery(badge)
        let rows = try connection.query("""
            WITH m AS (SELECT member_id, enrolled FROM members WHERE program_id = $1 AND member_id > $2 ORDER BY member_id LIMIT $3::int),
                 v AS (\(value))
            SELECT m.member_id, m.enrolled, coalesce(v.value, 0) AS value,
                   (SELECT string_agg(b.tier, ',') FROM member_badges b WHERE b.program_id = $1 AND b.member_id = m.member_id AND b.badge_id = $5) AS held
            FROM m LEFT JOIN v ON v.member_id = m.member_id ORDER BY m.member_id
            """, [program.id, cursor, String(limit), parameter, badge.id])
        var awards: [AwardToRecord] = []
        var last: String?
        for row in rows {
            let member = try row.string("member_id")
            last = member
            guard try row.bool("enrolled") else { continue }
            // The tiers held, '' for a badge without tiers.
            let held = Set(row.optionalString("held").map { tiers in
                tiers.split(separator: ",", omittingEmptySubsequences: false).map { BadgeAwardKey(badgeId: badge.id, tier: $0.isEmpty ? nil : String($0)) }
            } ?? [])
            awards += badge.newAwards(value: try row.int64("value"), held: held)
                .map { AwardToRecord(member: MemberRef(program: program.id, id: member), key: $0, eventId: nil) }
        }
        let recorded = try BadgeAwardRows.record(awards, now: now, on: connection)
        if try WebhookStore.subscribed(program: program.id, on: connection).contains(.badgeAwarded) {
            try WebhookStore.enqueue(recorded.map { .badgeAwarded($0, name: badge.name, at: now, timeZone: program.timeZone) }, on: connection)
        }
        let finished = rows.count < limit
        try connection.query("""
            UPDATE badges SET retro_cursor = $3::text, retro_lease = CASE WHEN $3::text IS NULL THEN NULL ELSE now() + interval '\(lease)' END
            WHERE program_id = $1 AND badge_id = $2
            """, [program.id, badge.id, finished ? nil : last])
        return (recorded.count, finished)
    }
}

extension BadgeAwarder {
    /// A query of `(member_id, value)`: the best value each member of `m` (the chunk) reaches in their whole history,
    /// as `Badge.bestValue` defines it (the busiest period of the badge's kind, the longest streak, lifetime figures
    /// as they stand; the retroactive tests check one against the other), computed where the rows are: a member's
    /// history never crosses the connection. `$4` is its parameter (an action, or a list of actions).
    static func bestValueQuery(_ badge: Badge) -> (sql: String, parameter: String?) {
        func busiest(_ period: PeriodKind, _ column: String, action: Bool) -> String {
            """
            SELECT member_id, max(s) AS value FROM (
                SELECT a.member_id, date_trunc('\(period.rawValue)', a.day::timestamp) AS k, sum(a.\(column)) AS s
                FROM member_activity a JOIN m ON a.member_id = m.member_id
                WHERE a.program_id = $1\(action ? " AND a.action = $4" : " AND $4::text IS NULL")
                GROUP BY 1, 2) x
            GROUP BY member_id
            """
        }
        switch badge.criteria {
        case let .firstAction(action):
            return ("""
                SELECT t.member_id, 1 AS value FROM member_action_totals t JOIN m ON t.member_id = m.member_id
                WHERE t.program_id = $1 AND t.action = $4 AND t.events > 0
                """, action)
        case let .actionCount(action, .all):
            return ("""
                SELECT t.member_id, t.events AS value FROM member_action_totals t JOIN m ON t.member_id = m.member_id
                WHERE t.program_id = $1 AND t.action = $4
                """, action)
        case let .actionCount(action, period): return (busiest(period, "events", action: true), action)
        case .points(.all):
            return ("SELECT t.member_id, t.points AS value FROM member_totals t JOIN m ON t.member_id = m.member_id WHERE t.program_id = $1 AND $4::text IS NULL",
                    nil)
        case let .points(period): return (busiest(period, "points", action: false), nil)
        case let .streak(unit, actions):
            // Consecutive units share `unit - rank × step`: each island of them is one run.
            let start = unit == .day ? "a.day" : "a.day - (extract(isodow FROM a.day)::int - 1)"
            return ("""
                SELECT member_id, max(n) AS value FROM (
                    SELECT member_id, count(*) AS n FROM (
                        SELECT member_id, u - (row_number() OVER (PARTITION BY member_id ORDER BY u))::int * \(unit.step) AS island
                        FROM (SELECT DISTINCT a.member_id, \(start) AS u FROM member_activity a JOIN m ON a.member_id = m.member_id
                              WHERE a.program_id = $1 AND a.events > 0 AND ($4::text[] IS NULL OR a.action = ANY($4::text[]))) d) x
                    GROUP BY member_id, island) y
                GROUP BY member_id
                """, actions.isEmpty ? nil : PostgresArray.literal(actions))
        case .rank, .challenge:
            return ("SELECT NULL::text AS member_id, 0 AS value WHERE $4::text IS NULL", nil)
        }
    }
}
