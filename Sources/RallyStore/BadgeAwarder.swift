import Foundation
import Logging
import Metrics
import Postgres
import RallyCore
import ServiceLifecycle

/// Gives the awards no event answer carries, in the background: a badge created or changed goes to every member who
/// already meets it (`awardRetroactively`), rank badges go to the leaders of each period that closes
/// (`closeEndedPeriods`). Work is kept in PostgreSQL (a badge's `retro_cursor`), so a restart resumes
/// where it stopped, and any instance may take it (a lease keeps two from doing the same work).
public final class BadgeAwarder: Service, Sendable {
    let postgres: PostgresPool
    let programs: ProgramStore
    let logger: Logger
    let awarded: Counter
    let interval: Duration
    let membersPerChunk: Int

    public init(postgres: PostgresPool, programs: ProgramStore, logger: Logger, metrics: any MetricsFactory,
                interval: Duration = .seconds(1), membersPerChunk: Int = 5000) {
        self.postgres = postgres
        self.programs = programs
        self.logger = logger
        self.awarded = Counter(label: "rally_badges_awarded_total", factory: metrics)
        self.interval = interval
        self.membersPerChunk = membersPerChunk
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    await self.workOnce()
                    try await Task.sleep(for: self.interval)
                }
            }
        } catch is CancellationError {
            // Shutting down: what is left stays recorded in PostgreSQL for the next start.
        }
    }

    /// Does the background work there is now: every pending retroactive pass, then every period closed since.
    public func workOnce() async {
        do {
            while let (program, badgeId) = try await claimRetroactivePass() {
                try await awardRetroactively(program: program, badgeId: badgeId)
            }
            try await closeEndedPeriods()
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
    /// writer gave meanwhile is not given twice (`recordAwards`). The pass stops, to be taken again, when the badge
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
        if case .rank = badge.criteria {
            // Rank badges are given when their periods close, from then on.
            try connection.query("UPDATE badges SET retro_cursor = NULL, retro_lease = NULL WHERE program_id = $1 AND badge_id = $2", [program.id, badge.id])
            return (0, true)
        }
        let reads = HistoryReads(badge)
        let rows = try connection.query("""
            WITH m AS (SELECT member_id, enrolled FROM members WHERE program_id = $1 AND member_id > $2 ORDER BY member_id LIMIT $3::int)
            SELECT 'm' AS kind, m.member_id, m.enrolled, NULL AS day, NULL AS action, 0 AS events, 0::bigint AS points, NULL AS tier, NULL AS period FROM m
            UNION ALL
            SELECT 'a', a.member_id, NULL, a.day::text, a.action, a.events, a.points, NULL, NULL
            FROM member_activity a JOIN m ON a.member_id = m.member_id
            WHERE $5 AND a.program_id = $1 AND m.enrolled AND ($4::text[] IS NULL OR a.action = ANY($4::text[]))
            UNION ALL
            SELECT 't', t.member_id, NULL, NULL, t.action, t.events, t.points, NULL, NULL
            FROM member_action_totals t JOIN m ON t.member_id = m.member_id
            WHERE $6 AND t.program_id = $1 AND m.enrolled AND ($4::text[] IS NULL OR t.action = ANY($4::text[]))
            UNION ALL
            SELECT 'p', t.member_id, NULL, NULL, NULL, 0, t.points, NULL, NULL
            FROM member_totals t JOIN m ON t.member_id = m.member_id WHERE $7 AND t.program_id = $1 AND m.enrolled
            UNION ALL
            SELECT 'b', b.member_id, NULL, NULL, NULL, 0, 0, b.tier, b.period_key
            FROM member_badges b JOIN m ON b.member_id = m.member_id WHERE b.program_id = $1 AND b.badge_id = $8
            """, [program.id, cursor, String(limit), reads.actions.map { PostgresArray.literal($0) }, reads.activity ? "true" : "false",
                  reads.actionTotals ? "true" : "false", reads.lifetimePoints ? "true" : "false", badge.id])
        var order: [String] = []
        var enrolled: Set<String> = []
        var history: [String: [ActivityKey: Activity]] = [:]
        var states: [String: ScoringState] = [:]
        for row in rows {
            let member = try row.string("member_id")
            let activity = Activity(events: try row.int("events"), earning: 0, points: try row.int64("points"))
            switch try row.string("kind") {
            case "m":
                order.append(member)
                if try row.bool("enrolled") { enrolled.insert(member) }
            case "a":
                guard let day = CivilDate.parse(try row.string("day")) else { continue }
                history[member, default: [:]][ActivityKey(day: day, action: try row.string("action"))] = activity
            case "t": states[member, default: ScoringState()].lifetime[try row.string("action")] = activity
            case "p": states[member, default: ScoringState()].lifetimePoints = activity.points
            default: states[member, default: ScoringState()].held.insert(try BadgeAwardKey(badgeId: badge.id, row))
            }
        }
        var awards: [AwardToRecord] = []
        for member in order where enrolled.contains(member) {
            var state = states[member] ?? ScoringState()
            for (key, activity) in history[member] ?? [:] { state.add(activity, at: key) }
            awards += badge.newAwards(value: badge.bestValue(history: state), held: state.held)
                .map { AwardToRecord(member: MemberRef(program: program.id, id: member), key: $0, eventId: nil) }
        }
        let recorded = try EventWriter.recordAwards(awards, now: now, on: connection)
        if try WebhookStore.subscribed(program: program.id, on: connection).contains(.badgeAwarded) {
            try WebhookStore.enqueue(recorded.map { .badgeAwarded($0, name: badge.name, at: now, timeZone: program.timeZone) }, on: connection)
        }
        let finished = order.count < limit
        try connection.query("""
            UPDATE badges SET retro_cursor = $3::text, retro_lease = CASE WHEN $3::text IS NULL THEN NULL ELSE now() + interval '\(lease)' END
            WHERE program_id = $1 AND badge_id = $2
            """, [program.id, badge.id, finished ? nil : order.last])
        return (recorded.count, finished)
    }
}

/// What a retroactive pass reads of each member's history for one badge.
struct HistoryReads {
    /// Activity per day (period badges, streaks); lifetime figures per action; lifetime points.
    var activity = false, actionTotals = false, lifetimePoints = false
    /// The actions whose rows are read (nil: all).
    var actions: [String]?

    init(_ badge: Badge) {
        switch badge.criteria {
        case let .firstAction(action): actionTotals = true; actions = [action]
        case let .actionCount(action, period): (period == .all ? (actionTotals = true) : (activity = true)); actions = [action]
        case let .points(period): period == .all ? (lifetimePoints = true) : (activity = true)
        case let .streak(_, names): activity = true; actions = names.isEmpty ? nil : names
        case .rank: break
        }
    }
}
