import Foundation
import Postgres
import RallyCore
import RallyLeaderboards
import RallyStorage

/// An event to retract, on the lane of its member.
struct Retraction: Sendable {
    var program: ProgramContext
    var eventId: String
    var memberId: String
    /// Who retracted it, for the audit log.
    var actor: String
}

/// What a retraction's transaction committed: the answer (ranks still to fill in), the changes of the member's standings
/// to project, the ranks to ask Redis for, whether boards read from PostgreSQL (past periods, campaigns) changed, and
/// the activity it changed.
struct CommittedRetraction {
    var outcome: RetractionOutcome
    var updates: [(program: String, update: MemberBoardChanges)]
    var ranks: [(slot: PeriodRanks.Slot, period: Period, points: Int64)]
    var archived: Bool
    var activity: ActivityChange
}

/// What retracting an event did: the points it reversed (its award; the same answer again for an event already
/// retracted) and the member's standing afterwards.
public struct RetractionOutcome: Sendable {
    public var eventId: String
    public var pointsReversed: Int
    public var member: MemberAfterEvent
}

extension EventWriter {
    /// Retracts a recorded event (the source deleted it, or found it fraudulent): a compensating ledger entry, the
    /// member's days, total, activity and claimed content as if the event had never arrived, the boards updated at once.
    /// Events scored after it keep their awards. Retracting it again changes nothing; an unknown id is a 404.
    /// Audited as `actor`'s.
    public func retract(program: ProgramContext, eventId: String, actor: String) async throws -> RetractionOutcome {
        let query = EventMember(program: program.id, eventId: eventId)
        guard let memberId = try await postgres.withConnection({ try $0.rows(query).first }) else {
            throw Self.unknownEvent(eventId, program: program.id)
        }
        let retraction = Retraction(program: program, eventId: eventId, memberId: memberId, actor: actor)
        return try await enqueue(on: lane(program: program.id, memberId: memberId)) { .retraction(retraction, reply: $0) }
    }

    /// Records a retraction in one transaction, then brings the boards in line and reads the member's ranks.
    func record(_ retraction: Retraction) async throws -> RetractionOutcome {
        let program = retraction.program.id
        let committed = try await postgres.transaction { [retention = leaderboards.retention] connection in
            try Self.commit(retraction, now: Date(), retention: retention, on: connection)
        }
        var answer = committed.outcome
        let found = await publish(program: program, committed.updates, archived: committed.archived, activity: committed.activity,
                                  rankQueries: committed.ranks.map {
            RankQuery(submissions: [], program: program, memberId: retraction.memberId, slot: $0.slot, period: $0.period, points: $0.points)
        })
        for (rank, query) in zip(found, committed.ranks) { answer.member.ranks[query.slot] = rank }
        return answer
    }

    /// After a lane job committed changes to one program's points (a retraction, a flag's review): the boards read from
    /// PostgreSQL forgotten, the activity counted, the standings projected to Redis; the ranks asked.
    func publish(program: String, _ updates: [(program: String, update: MemberBoardChanges)], archived: Bool, activity change: ActivityChange,
                 rankQueries: [RankQuery] = []) async -> [Int?] {
        if !updates.isEmpty || archived {
            leaderboards.postgresBoardsChanged(awarded: [program], archived: archived ? [program] : [])
        }
        activity.changed(change)
        return await project(updates, rankQueries: rankQueries)
    }

    /// A retraction in the current transaction: loads the member (their row locked first, as a scoring commit locks it:
    /// their state changes under one writer at a time) and the event, decides (`RetractionDecision`, no I/O), writes
    /// with the group commit's statements.
    private static func commit(_ retraction: Retraction, now: Date, retention: BoardRetention, on connection: PostgresConnection) throws
        -> CommittedRetraction
    {
        let program = retraction.program
        let ref = MemberRef(program: program.id, id: retraction.memberId)
        let (members, versions) = try loadMembers([ref], locking: [program.id], on: connection)
        guard let stored = try connection.rows(LoadRetractedEvents(program: program.id, eventIds: [retraction.eventId])).first else {
            throw unknownEvent(retraction.eventId, program: program.id)
        }
        let decision = RetractionDecision.decide(stored, program: program, subscribed: versions[program.id]?.subscribed ?? [], now: now)
        var updates: [(program: String, update: MemberBoardChanges)] = []
        var archived = false
        if decision.retracts {
            try connection.run(MarkRetracted(program: program.id, eventIds: [stored.event.id], at: now))
            try AuditLog.record(program: program.id, actor: retraction.actor, action: "event.retracted", target: "events/\(stored.event.id)",
                                before: decision.audited(retracted: false), after: decision.audited(retracted: true), on: connection)
            let revisions = try decision.changes.write(on: connection)
            if stored.award.status.isScored { try decision.activity.count(on: connection) }
            try connection.run(ReleaseContentClaims(member: ref, eventIds: [stored.event.id]))
            try WebhookStore.enqueue(decision.notifications, on: connection)
            let submission = EventSubmission(program: program, event: stored.event, receivedAt: now)
            let changes = standingsUpdates(decision.pointsReversed == 0 ? [] : [(submission, -decision.pointsReversed)], revisions: revisions,
                                           members: members, retention: retention, now: now)
            updates = changes.updates
            archived = !changes.backfilled.isEmpty || !decision.changes.programsWithCampaigns.isEmpty
        }
        let summary = try memberSummaries([ref], programs: [program.id: program], members: members, now: now, on: connection)[ref]
        return CommittedRetraction(
            outcome: RetractionOutcome(eventId: retraction.eventId, pointsReversed: decision.pointsReversed, member: summary?.summary ?? .unknown),
            updates: updates, ranks: summary?.ranks ?? [], archived: archived, activity: decision.activity)
    }

    static func unknownEvent(_ eventId: String, program: String) -> RallyError {
        RallyError(.notFound, "event '\(eventId)' was never recorded in program '\(program)'")
    }
}
