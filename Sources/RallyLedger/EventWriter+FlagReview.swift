import Foundation
import Postgres
import RallyCore
import RallyLeaderboards
import RallyStorage

/// What an admin decides about an integrity flag.
public enum FlagVerdict: String, Sendable {
    /// Not farming: the points held are released (the boards updated), the events stand.
    case dismiss
    /// Farming: every event of the flag is retracted, as a retraction does.
    case confirm

    var status: FlagStatus { self == .dismiss ? .dismissed : .confirmed }
}

/// A flag to review, on the lane of its member.
struct FlagReview: Sendable {
    var program: ProgramContext
    var flagId: String
    var memberId: String
    var verdict: FlagVerdict
    /// Who reviewed it, for the audit log.
    var actor: String
}

/// The middle of a review, with no I/O. Dismissing releases each held event still standing, in the order they occurred:
/// its points are added as its award would have added them, reached now, it takes the status its points were scored
/// with, and the badges and level it completes on the member's state (`state`, loaded as a group commit loads it) are
/// given. Confirming retracts each event still standing (`RetractionDecision`: a held one reverses nothing). Events
/// retracted meanwhile are left.
struct FlagReviewDecision {
    var changes = LedgerChanges()
    var activity: ActivityChange
    var notifications: [WebhookNotification] = []
    /// The events released or retracted, with the points each adds to its member's boards (negative: taken off).
    var events: [(event: Event, points: Int)] = []
    /// The badge awards released events complete.
    var badges: [(eventId: String, key: BadgeAwardKey)] = []

    /// The held events a dismissal releases.
    static func releasing(_ stored: [RetractedEvent]) -> [RetractedEvent] {
        stored.filter { !$0.retracted && $0.award.status == .held && $0.award.heldStatus != nil }
            .sorted { ($0.event.occurredAt, $0.event.id) < ($1.event.occurredAt, $1.event.id) }
    }

    static func decide(_ verdict: FlagVerdict, _ stored: [RetractedEvent], program: ProgramContext, subscribed: Set<WebhookEventType>,
                       state: ScoringState = ScoringState(), now: Date) -> FlagReviewDecision {
        var decision = FlagReviewDecision(activity: ActivityChange(programs: [program.id]))
        var state = state
        let member = stored.first.map { MemberRef(program: program.id, id: $0.event.memberId) }
        for event in verdict == .dismiss ? releasing(stored) : stored where !event.retracted {
            switch verdict {
            case .dismiss:
                guard let status = event.award.heldStatus else { continue }
                var award = event.award
                award.status = status
                decision.changes.add(event.event, of: program, award: award, campaign: award.campaign, kind: .award, reachedAt: now)
                decision.events.append((event.event, award.points))
                decision.notePastDay(event.event, program: program, now: now)
                let day = program.calendar.localDate(of: event.event.occurredAt), before = state.lifetimePoints
                state.record(.event(points: award.points), at: ActivityKey(day: day, action: event.event.action))
                decision.badges += Badge.awards(program.badges, after: event.event.action, on: day, state: &state).map { (event.event.id, $0) }
                if let level = program.rules.inForce(at: now).levelReached(from: before, to: state.lifetimePoints), let member,
                   subscribed.contains(.levelReached) {
                    decision.notifications.append(.levelReached(level, member: member, eventId: event.event.id))
                }
            case .confirm:
                let retraction = RetractionDecision.decide(event, program: program, subscribed: subscribed, now: now)
                decision.changes.merge(retraction.changes)
                decision.activity.formUnion(retraction.activity)
                decision.notifications += retraction.notifications
                decision.events.append((event.event, -retraction.pointsReversed))
            }
        }
        return decision
    }

    private mutating func notePastDay(_ event: Event, program: ProgramContext, now: Date) {
        let day = program.calendar.localDate(of: event.occurredAt)
        if day.daysSinceEpoch < program.calendar.localDate(of: now).daysSinceEpoch { activity.pastDays[program.id, default: []].insert(day) }
    }
}

extension EventWriter {
    /// Dismisses or confirms an open flag (the same verdict again answers the flag as it is; the other one is a 409), on
    /// its member's lane, in one transaction: its events released or retracted, the flag closed and audited; then the
    /// boards brought in line. An unknown flag is a 404.
    public func review(program: ProgramContext, flagId: String, verdict: FlagVerdict, actor: String) async throws -> IntegrityFlag {
        guard let number = Int64(flagId), number > 0,
              let memberId = try await postgres.withConnection({ try $0.rows(FlagMember(program: program.id, flagId: number)).first })
        else { throw FlagStore.notFound(flagId, program: program.id) }
        let review = FlagReview(program: program, flagId: String(number), memberId: memberId, verdict: verdict, actor: actor)
        return try await enqueue(on: lane(program: program.id, memberId: memberId)) { .flagReview(review, reply: $0) }
    }

    /// Records a review in one transaction, then brings the boards in line.
    func record(_ review: FlagReview) async throws -> IntegrityFlag {
        let program = review.program.id
        let committed = try await postgres.transaction { [retention = leaderboards.retention] connection in
            try Self.commit(review, now: Date(), retention: retention, on: connection)
        }
        _ = await publish(program: program, committed.updates, archived: committed.archived, activity: committed.activity)
        return committed.flag
    }

    private static func commit(_ review: FlagReview, now: Date, retention: BoardRetention, on connection: PostgresConnection) throws
        -> (flag: IntegrityFlag, updates: [(program: String, update: MemberBoardChanges)], archived: Bool, activity: ActivityChange)
    {
        let program = review.program
        let ref = MemberRef(program: program.id, id: review.memberId)
        let (members, versions) = try loadMembers([ref], locking: [program.id], on: connection)
        guard let flag = try connection.rows(LoadFlag(program: program.id, flagId: review.flagId)).first else {
            throw FlagStore.notFound(review.flagId, program: program.id)
        }
        guard flag.status == .open else {
            if flag.status == review.verdict.status { return (flag, [], false, ActivityChange()) }
            throw RallyError(.conflict, "flag '\(flag.id)' was already \(flag.status.rawValue)",
                             details: [FieldProblem(field: "status", problem: "is already \(flag.status.rawValue)")])
        }
        let stored = try connection.rows(LoadFlagEvents(program: program.id, eventIds: flag.eventIds))
        let subscribed = versions[program.id]?.subscribed ?? []
        var state = ScoringState()
        if review.verdict == .dismiss {
            var need = HistoryNeed()
            for event in FlagReviewDecision.releasing(stored) {
                need.add(event.event, ruleset: program.rules.inForce(at: event.event.occurredAt), badges: program.badges, calendar: program.calendar)
            }
            if !need.isEmpty { state = try loadStates([ref: need], programs: [program.id: program], on: connection)[ref] ?? state }
            state.lifetimePoints = members[ref]?.lifetimePoints ?? 0
        }
        let decision = FlagReviewDecision.decide(review.verdict, stored, program: program, subscribed: subscribed, state: state, now: now)
        let changed = decision.events.map(\.event.id)
        switch review.verdict {
        case .dismiss:
            try connection.run(ReleaseHeldEvents(program: program.id, eventIds: changed))
        case .confirm:
            try connection.run(MarkRetracted.Many(program: program.id, eventIds: changed, at: now))
            try connection.run(ReleaseContentClaims.Many(member: ref, eventIds: changed))
        }
        let revisions = try decision.changes.write(on: connection)
        try decision.activity.count(on: connection)
        guard let closed = try connection.rows(CloseFlag(program: program.id, flagId: flag.id, status: review.verdict.status, actor: review.actor, at: now)).first
        else { throw FlagStore.notFound(review.flagId, program: program.id) }
        try AuditLog.record(program: program.id, actor: review.actor, action: "flag.\(closed.status.rawValue)", target: "flags/\(flag.id)",
                            before: FlagStore.document(flag, timeZone: program.timeZone).text,
                            after: FlagStore.document(closed, timeZone: program.timeZone).text, on: connection)
        let earned = try BadgeAwardRows.record(decision.badges.map { AwardToRecord(member: ref, key: $0.key, eventId: $0.eventId) }, now: now, on: connection)
        let awarded = subscribed.contains(.badgeAwarded)
            ? earned.map { WebhookNotification.badgeAwarded($0, name: program.badgeName($0.key.badgeId), at: now, timeZone: program.timeZone) } : []
        try WebhookStore.enqueue(decision.notifications + awarded, on: connection)
        let moved = decision.events.filter { $0.points != 0 }.map { (EventSubmission(program: program, event: $0.event, receivedAt: now), $0.points) }
        let changes = standingsUpdates(moved, revisions: revisions, members: members, retention: retention, now: now)
        return (closed, changes.updates, !changes.backfilled.isEmpty || !decision.changes.programsWithCampaigns.isEmpty, decision.activity)
    }
}

/// The member a flag is about: the lane its review runs on.
struct FlagMember: PostgresQuery {
    static let sql = "SELECT member_id FROM flags WHERE program_id = $1 AND flag_id = $2::bigint"

    var program: String
    var flagId: Int64
    var bindings: [any PostgresBindable] { [program, String(flagId)] }

    static func decode(_ row: PostgresRow) throws -> String { try row.string("member_id") }
}

/// A flag, its row locked until the transaction ends.
struct LoadFlag: PostgresQuery {
    static let sql = "SELECT \(FlagStore.columns) FROM flags WHERE program_id = $1 AND flag_id = $2::bigint FOR UPDATE"

    var program: String
    var flagId: String
    var bindings: [any PostgresBindable] { [program, flagId] }

    static func decode(_ row: PostgresRow) throws -> IntegrityFlag { try FlagStore.flag(row) }
}

/// The events of a flag as a retraction reads them (with the status held points were scored with), their rows locked.
struct LoadFlagEvents: PostgresQuery {
    static let sql = """
        SELECT event_id, member_id, action, network, content_id, extract(epoch FROM occurred_at) AS occurred_at, status, held_status, points,
               campaign_id, retracted_at IS NOT NULL AS retracted
        FROM events WHERE program_id = $1 AND event_id = ANY($2::text[]) ORDER BY event_id FOR UPDATE
        """

    var program: String
    var eventIds: [String]
    var bindings: [any PostgresBindable] { [program, eventIds] }

    static func decode(_ row: PostgresRow) throws -> RetractedEvent { try LoadRetractedEvent.decode(row) }
}

/// Gives held events the status their points were scored with.
struct ReleaseHeldEvents: PostgresStatement {
    static let sql = """
        UPDATE events SET status = held_status, held_status = NULL WHERE program_id = $1 AND event_id = ANY($2::text[]) AND status = 'held'
        """

    var program: String
    var eventIds: [String]
    var bindings: [any PostgresBindable] { [program, eventIds] }
}

/// Closes a flag with an admin's verdict.
struct CloseFlag: PostgresQuery {
    static let sql = """
        UPDATE flags SET status = $3, reviewed_by = $4, updated_at = to_timestamp($5::float8) WHERE program_id = $1 AND flag_id = $2::bigint
        RETURNING \(FlagStore.columns)
        """

    var program: String
    var flagId: String
    var status: FlagStatus
    var actor: String
    var at: Date
    var bindings: [any PostgresBindable] { [program, flagId, status.rawValue, actor, at] }

    static func decode(_ row: PostgresRow) throws -> IntegrityFlag { try FlagStore.flag(row) }
}
