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

/// The middle of a review, with no I/O. Dismissing releases each held event still standing that no other open flag
/// holds, in the order they occurred: it is scored again, under the rules of its instant, on the member's state as it is
/// now (`state`, loaded as a group commit loads it: caps and content claimed by what counted since stay honoured), and its
/// award counts from now on, with the badges and level it completes. Confirming retracts each event still standing
/// (`RetractionDecision`: a held one reverses nothing). Events retracted meanwhile are left.
struct FlagReviewDecision {
    var changes = LedgerChanges()
    var activity: ActivityChange
    var notifications: [WebhookNotification] = []
    /// The events released or retracted, with the points each adds to its member's boards (negative: taken off).
    var events: [(event: Event, points: Int)] = []
    /// The awards of the released events, as they are now recorded.
    var released: [(event: Event, award: Award)] = []
    /// The retractions of the confirmed events, for the audit log.
    var retractions: [RetractionDecision] = []

    /// The held events a dismissal releases: those still held and standing, and held by no other open flag.
    static func releasing(_ stored: [RetractedEvent], heldElsewhere: Set<String>) -> [RetractedEvent] {
        stored.filter { !$0.retracted && $0.award.status == .held && !heldElsewhere.contains($0.event.id) }
            .sorted { ($0.event.occurredAt, $0.event.id) < ($1.event.occurredAt, $1.event.id) }
    }

    static func decide(_ verdict: FlagVerdict, _ stored: [RetractedEvent], program: ProgramContext, subscribed: Set<WebhookEventType>,
                       heldElsewhere: Set<String> = [], member: MemberEnrolment = MemberEnrolment(enrolled: true),
                       state: ScoringState = ScoringState(), now: Date) -> FlagReviewDecision {
        var decision = FlagReviewDecision(activity: ActivityChange(programs: [program.id]))
        switch verdict {
        case .dismiss:
            var state = state
            for held in releasing(stored, heldElsewhere: heldElsewhere) {
                let event = held.event, before = state.lifetimePoints
                var award = program.rules.inForce(at: event.occurredAt).score(event, member: member, calendar: program.calendar, state: &state)
                if award.status.isScored {
                    award.badges = Badge.awards(program.badges, after: event.action, on: program.calendar.localDate(of: event.occurredAt), state: &state)
                }
                award.levelReached = program.rules.inForce(at: now).levelReached(from: before, to: state.lifetimePoints)
                decision.changes.add(event, of: program, award: award, campaign: award.campaign, kind: .award, reachedAt: now)
                decision.events.append((event, award.points))
                decision.released.append((event, award))
                decision.notePastDay(event, program: program, now: now)
                if let level = award.levelReached, subscribed.contains(.levelReached) {
                    decision.notifications.append(.levelReached(level, member: MemberRef(program: program.id, id: event.memberId), eventId: event.id))
                }
            }
        case .confirm:
            for event in stored where !event.retracted {
                let retraction = RetractionDecision.decide(event, program: program, subscribed: subscribed, now: now)
                decision.changes.merge(retraction.changes)
                decision.activity.formUnion(retraction.activity)
                decision.notifications += retraction.notifications
                decision.events.append((event.event, -retraction.pointsReversed))
                decision.retractions.append(retraction)
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
        guard FlagStore.isFlagId(flagId),
              let memberId = try await postgres.withConnection({ try $0.rows(FlagMember(program: program.id, flagId: flagId)).first })
        else { throw FlagStore.notFound(flagId, program: program.id) }
        let review = FlagReview(program: program, flagId: flagId, memberId: memberId, verdict: verdict, actor: actor)
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
        let stored = try connection.rows(LoadRetractedEvents(program: program.id, eventIds: flag.eventIds))
        let subscribed = versions[program.id]?.subscribed ?? []
        var decision: FlagReviewDecision
        switch review.verdict {
        case .dismiss:
            let heldElsewhere = Set(try connection.rows(EventsHeldElsewhere(program: program.id, flagId: flag.id, eventIds: flag.eventIds)))
            var need = HistoryNeed()
            for event in FlagReviewDecision.releasing(stored, heldElsewhere: heldElsewhere) {
                need.add(event.event, ruleset: program.rules.inForce(at: event.event.occurredAt), badges: program.badges, calendar: program.calendar)
            }
            var state = need.isEmpty ? ScoringState() : try loadStates([ref: need], programs: [program.id: program], on: connection)[ref] ?? ScoringState()
            state.lifetimePoints = members[ref]?.lifetimePoints ?? 0
            decision = FlagReviewDecision.decide(.dismiss, stored, program: program, subscribed: subscribed, heldElsewhere: heldElsewhere,
                                                 member: MemberEnrolment(enrolled: members[ref]?.enrolled ?? false), state: state, now: now)
            if !decision.released.isEmpty { try connection.run(ReleaseHeldEvents(program: program.id, released: decision.released)) }
            let claims = decision.released.compactMap { event, award -> (member: MemberRef, content: ContentKey, eventId: String)? in
                guard award.points > 0, program.rules.inForce(at: event.occurredAt).actions[event.action]?.oncePerContent == true,
                      let contentId = event.contentId else { return nil }
                return (ref, ContentKey(action: event.action, contentId: contentId), event.id)
            }
            if !claims.isEmpty { try connection.run(InsertContentClaims(rows: claims)) }
        case .confirm:
            decision = FlagReviewDecision.decide(.confirm, stored, program: program, subscribed: subscribed, now: now)
            let changed = decision.events.map(\.event.id)
            try connection.run(MarkRetracted(program: program.id, eventIds: changed, at: now))
            try connection.run(ReleaseContentClaims(member: ref, eventIds: changed))
            for retraction in decision.retractions {
                try AuditLog.record(program: program.id, actor: review.actor, action: "event.retracted", target: "events/\(retraction.stored.event.id)",
                                    before: retraction.audited(retracted: false), after: retraction.audited(retracted: true), on: connection)
            }
        }
        let revisions = try decision.changes.write(on: connection)
        try decision.activity.count(on: connection)
        guard let closed = try connection.rows(CloseFlag(program: program.id, flagId: flag.id, status: review.verdict.status, actor: review.actor, at: now)).first
        else { throw FlagStore.notFound(review.flagId, program: program.id) }
        try AuditLog.record(program: program.id, actor: review.actor, action: "flag.\(closed.status.rawValue)", target: "flags/\(flag.id)",
                            before: FlagStore.document(flag, timeZone: program.timeZone).text,
                            after: FlagStore.document(closed, timeZone: program.timeZone).text, on: connection)
        let earned = try BadgeAwardRows.record(decision.released.flatMap { event, award in
            award.badges.map { AwardToRecord(member: ref, key: $0, eventId: event.id) }
        }, now: now, on: connection)
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
    var flagId: String
    var bindings: [any PostgresBindable] { [program, flagId] }

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

/// Records released events' awards as they are now: status, points, breakdown, rules version, campaign, level.
struct ReleaseHeldEvents: PostgresStatement {
    static let columns = PostgresColumns<(event: Event, award: Award)>([
        .text("event_id") { $0.event.id }, .text("status") { $0.award.status.rawValue }, .int("points") { $0.award.points },
        .jsonb("breakdown") { JSONText.breakdown($0.award.breakdown) }, .int("rules_version") { $0.award.rulesVersion },
        .text("campaign_id") { $0.award.campaign }, .jsonb("level_reached") { $0.award.levelReached.map(BadgeAwardRows.text) },
    ])
    static let sql = """
        UPDATE events e SET status = r.status, points = r.points, breakdown = r.breakdown, rules_version = r.rules_version,
            campaign_id = r.campaign_id, level_reached = r.level_reached
        FROM \(columns.unnest(from: 2, as: "r")) WHERE e.program_id = $1 AND e.event_id = r.event_id AND e.status = 'held'
        """

    var program: String
    var released: [(event: Event, award: Award)]
    var bindings: [any PostgresBindable] { [program] + Self.columns.bindings(released) }
}

/// Which of a flag's events another open flag holds.
struct EventsHeldElsewhere: PostgresQuery {
    static let sql = """
        SELECT DISTINCT e FROM flags, unnest(event_ids) e
        WHERE program_id = $1 AND status = 'open' AND holds AND flag_id <> $2::bigint AND event_ids && $3::text[] AND e = ANY($3::text[])
        """

    var program: String
    var flagId: String
    var eventIds: [String]
    var bindings: [any PostgresBindable] { [program, flagId, eventIds] }

    static func decode(_ row: PostgresRow) throws -> String { try row.string("e") }
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
