import Foundation
import Postgres
import RallyCore
import RallyStorage
import Synchronization

/// A challenge as answered: its definition, where it stands now, when it was reached (nil: not yet), what each member
/// contributed, and how each contributor is shown (nil: anonymous or hidden).
public struct ChallengeView: Sendable {
    public var challenge: Challenge
    public var reachedAt: Date?
    public var standing: ChallengeStanding
    public var values: [String: Int64]
    public var shown: [String: (memberId: String, displayName: String?)?]
}

/// Challenges HR defines, and their progress counted from the events themselves when asked: retractions lower it at
/// once, backdated events inside the window count. A count is kept a second per instance (`lifetime`) and made again by
/// one request at a time while the others are answered the one kept, so that a page many people refresh costs one count
/// at a time, whatever a count takes. Reaching the target is settled by the scheduler (`BadgeAwarder`): the
/// reached instant recorded once, the badge given to every contributor, `challenge.reached` queued.
public final class ChallengeStore: Sendable {
    private let postgres: PostgresPool
    private let clock: any ServiceClock
    private let cache = Mutex<[String: (at: ContinuousClock.Instant, view: ChallengeView)]>([:])
    /// The counts running, one per challenge at most.
    private let recounts = Mutex<[String: Task<ChallengeView, any Error>]>([:])
    /// Each program's challenges under way, as last read (kept `lifetime` too).
    private let current = Mutex<[String: (at: ContinuousClock.Instant, challenges: [(id: String, scope: ChallengeScope)])]>([:])
    static let lifetime: Duration = .seconds(1)
    /// How old a count may be to answer while the next is made; older, a request waits for the next.
    static let staleness: Duration = .seconds(10)
    static let top = 10

    public init(postgres: PostgresPool, clock: any ServiceClock = ContinuousClock()) {
        self.postgres = postgres
        self.clock = clock
    }

    /// Creates or replaces a challenge, audited as `actor`'s; whether it was created. A reached challenge stays reached.
    public func put(program: String, _ challenge: Challenge, actor: String) async throws -> (ChallengeView, created: Bool) {
        let created = try await postgres.transaction { connection in
            let before = try connection.query("SELECT \(Self.audited) AS audited FROM challenges WHERE program_id = $1 AND challenge_id = $2 FOR UPDATE",
                                              [program, challenge.id]).first?.string("audited")
            let row = try connection.query("""
                INSERT INTO challenges (program_id, challenge_id, name, scope_team, scope_region, action, target, starts_at, ends_at, badge_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, to_timestamp($8::float8), to_timestamp($9::float8), $10)
                ON CONFLICT (program_id, challenge_id) DO UPDATE SET name = EXCLUDED.name, scope_team = EXCLUDED.scope_team,
                    scope_region = EXCLUDED.scope_region, action = EXCLUDED.action, target = EXCLUDED.target, starts_at = EXCLUDED.starts_at,
                    ends_at = EXCLUDED.ends_at, badge_id = EXCLUDED.badge_id, updated_at = now()
                RETURNING (xmax = 0) AS created, \(Self.audited) AS audited
                """, [program, challenge.id, challenge.name, challenge.scope.team, challenge.scope.region, challenge.metric.action, String(challenge.target),
                      String(challenge.from.timeIntervalSince1970), String(challenge.to.timeIntervalSince1970), challenge.badgeId])[0]
            try AuditLog.record(program: program, actor: actor, action: "challenge.saved", target: "challenges/\(challenge.id)", before: before,
                                after: try row.string("audited"), on: connection)
            return try row.bool("created")
        }
        return (try await count(program: program, id: challenge.id), created)
    }

    /// The program's challenges, by id, each with its progress.
    public func list(program: String) async throws -> [ChallengeView] {
        let ids = try await postgres.query("SELECT challenge_id FROM challenges WHERE program_id = $1 ORDER BY challenge_id", [program])
            .map { try $0.string("challenge_id") }
        var views: [ChallengeView] = []
        for id in ids { views.append(try await view(program: program, id: id)) }
        return views
    }

    /// One challenge with its progress; a 404 when there is none. A count is kept `lifetime`; past it, one request counts
    /// again while the others are answered the count kept (one count at a time per challenge, however many read it).
    public func view(program: String, id: String) async throws -> ChallengeView {
        let key = Self.key(program, id), now = clock.now
        let kept = cache.withLock { $0[key] }
        if let kept, now - kept.at < Self.lifetime { return kept.view }
        let counting = recounts.withLock { running in
            if let task = running[key] { return task }
            let task = Task { () async throws -> ChallengeView in
                defer { self.recounts.withLock { $0[key] = nil } }
                return try await self.count(program: program, id: id)
            }
            running[key] = task
            return task
        }
        if let kept, now - kept.at < Self.staleness { return kept.view }
        return try await counting.value
    }

    /// Counts a challenge's progress now, and keeps it.
    private func count(program: String, id: String) async throws -> ChallengeView {
        let now = clock.now
        let view = try await postgres.withConnection { connection in
            guard let row = try connection.query("SELECT \(Self.columns) FROM challenges WHERE program_id = $1 AND challenge_id = $2",
                                                 [program, id]).first
            else { throw RallyError(.notFound, "challenge '\(id)' does not exist in program '\(program)'") }
            let (challenge, reachedAt) = try Self.challenge(row)
            let rows = try connection.run(ChallengeContributions(program: program, challenge: challenge))
            var shown: [String: (memberId: String, displayName: String?)?] = [:]
            let contributions = try rows.map { row in
                let member = try row.string("member_id")
                shown[member] = try row.string("visibility") == Visibility.public.rawValue ? (member, row.optionalString("display_name")) : nil
                return ChallengeContribution(memberId: member, value: try row.int64("value"))
            }
            return ChallengeView(challenge: challenge, reachedAt: reachedAt, standing: ChallengeStanding(contributions, top: Self.top),
                                 values: Dictionary(contributions.map { ($0.memberId, $0.value) }, uniquingKeysWith: +), shown: shown)
        }
        cache.withLock { kept in
            kept = kept.filter { now - $0.value.at < Self.staleness }
            kept[Self.key(program, id)] = (now, view)
        }
        return view
    }

    /// The challenges under way now that count `memberId` (their team and region read only when a challenge is scoped):
    /// what the leaderboard page shows its viewer. None for an unknown member.
    public func underWay(program: String, memberId: String) async throws -> [ChallengeView] {
        let listed = try await underWay(program: program)
        guard !listed.isEmpty else { return [] }
        var team: String?, region: String?
        if listed.contains(where: { $0.scope != .program }) {
            guard let row = try await postgres.query("SELECT team, region FROM members WHERE program_id = $1 AND member_id = $2", [program, memberId]).first
            else { return [] }
            (team, region) = (row.optionalString("team"), row.optionalString("region"))
        }
        return try await underWay(program: program, team: team, region: region)
    }

    /// The challenges under way now (their window holds the present) that count a member of `team` and `region`: the
    /// program's, their team's, their region's. What a profile and a member's page show.
    public func underWay(program: String, team: String?, region: String?) async throws -> [ChallengeView] {
        var views: [ChallengeView] = []
        for (id, scope) in try await underWay(program: program) {
            switch scope {
            case .program: break
            case let .team(name): guard name == team else { continue }
            case let .region(name): guard name == region else { continue }
            }
            views.append(try await view(program: program, id: id))
        }
        return views
    }

    /// The program's challenges under way, by id, as read at most `lifetime` ago.
    private func underWay(program: String) async throws -> [(id: String, scope: ChallengeScope)] {
        let now = clock.now
        if let kept = current.withLock({ $0[program] }), now - kept.at < Self.lifetime { return kept.challenges }
        let rows = try await postgres.query("""
            SELECT \(Self.columns) FROM challenges WHERE program_id = $1 AND starts_at <= now() AND ends_at > now() ORDER BY challenge_id
            """, [program])
        let challenges = try rows.map { row in let (challenge, _) = try Self.challenge(row); return (id: challenge.id, scope: challenge.scope) }
        current.withLock { kept in
            kept = kept.filter { now - $0.value.at < Self.lifetime }
            kept[program] = (now, challenges)
        }
        return challenges
    }

    static func key(_ program: String, _ id: String) -> String { program + "\n" + id }

    static let columns = """
        challenge_id, name, scope_team, scope_region, action, target, extract(epoch FROM starts_at) AS starts_at,
        extract(epoch FROM ends_at) AS ends_at, badge_id, extract(epoch FROM reached_at) AS reached_at
        """
    /// A challenge as the audit log shows it (SQL on a `challenges` row).
    static let audited = """
        jsonb_build_object('challengeId', challenge_id, 'name', name, 'team', scope_team, 'region', scope_region, 'action', action,
                           'target', target, 'from', starts_at, 'to', ends_at, 'badgeId', badge_id)::text
        """

    static func challenge(_ row: PostgresRow) throws -> (Challenge, reachedAt: Date?) {
        let scope: ChallengeScope = if let team = row.optionalString("scope_team") { .team(team) }
            else if let region = row.optionalString("scope_region") { .region(region) } else { .program }
        let challenge = Challenge(id: try row.string("challenge_id"), name: try row.string("name"), scope: scope,
                                  metric: row.optionalString("action").map(ChallengeMetric.action) ?? .points, target: try row.int64("target"),
                                  from: Date(timeIntervalSince1970: try row.double("starts_at")), to: Date(timeIntervalSince1970: try row.double("ends_at")),
                                  badgeId: row.optionalString("badge_id"))
        return (challenge, row.optionalString("reached_at").flatMap(Double.init).map(Date.init(timeIntervalSince1970:)))
    }
}

/// The events that count toward a challenge: in its window, not retracted, scored by the rules (not `not_scored`, `held` nor
/// `not_enrolled`), of its action (or any, for points), by members of its scope as they are now. `$1`…`$6`.
enum ChallengeEvents {
    static let from = """
        events e JOIN members m ON m.program_id = e.program_id AND m.member_id = e.member_id
        WHERE e.program_id = $1 AND e.occurred_at >= to_timestamp($2::float8) AND e.occurred_at < to_timestamp($3::float8)
          AND e.retracted_at IS NULL AND e.status NOT IN ('not_scored', 'not_enrolled', 'held') AND ($4::text IS NULL OR e.action = $4)
          AND ($5::text IS NULL OR m.team = $5) AND ($6::text IS NULL OR m.region = $6)
        """
    /// What one event adds: 1 for an action's count, its points for points.
    static let value = "CASE WHEN $4::text IS NULL THEN e.points ELSE 1 END"

    static func bindings(program: String, _ challenge: Challenge) -> [any PostgresBindable] {
        [program, challenge.from, challenge.to, challenge.metric.action, challenge.scope.team, challenge.scope.region]
    }
}

/// Each contributing member's value toward a challenge, with how they are shown.
struct ChallengeContributions: PostgresStatement {
    static let sql = """
        SELECT e.member_id, m.display_name, m.visibility, sum(\(ChallengeEvents.value)) AS value FROM \(ChallengeEvents.from)
        GROUP BY e.member_id, m.display_name, m.visibility
        """
    var program: String
    var challenge: Challenge
    var bindings: [any PostgresBindable] { ChallengeEvents.bindings(program: program, challenge) }
}

/// When a challenge's progress first reached its target: the `occurredAt` of the event that took the running total (in
/// time order, then id) to it. No row while it has not. The total is summed first (a one-time filter): while it is below
/// the target, which is what the scheduler finds almost every time it looks, the window's events are not sorted.
struct ChallengeReachedAt: PostgresStatement {
    static let sql = """
        SELECT extract(epoch FROM occurred_at) AS reached_at FROM (
            SELECT e.occurred_at, sum(\(ChallengeEvents.value)) OVER (ORDER BY e.occurred_at, e.event_id) AS running FROM \(ChallengeEvents.from)) x
        WHERE running >= $7::bigint AND (SELECT coalesce(sum(\(ChallengeEvents.value)), 0) FROM \(ChallengeEvents.from)) >= $7::bigint
        ORDER BY occurred_at LIMIT 1
        """
    var program: String
    var challenge: Challenge
    var bindings: [any PostgresBindable] { ChallengeEvents.bindings(program: program, challenge) + [challenge.target] }
}
