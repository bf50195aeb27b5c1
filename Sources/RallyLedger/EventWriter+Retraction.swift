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

/// What retracting an event did: the points it reversed (its award; the same answer again for an event already
/// retracted) and the member's standing afterwards.
public struct RetractionOutcome: Sendable {
    public var eventId: String
    public var pointsReversed: Int
    public var member: MemberSummary
}

extension EventWriter {
    /// Retracts a recorded event (the source deleted it, or found it fraudulent): a compensating ledger entry, the
    /// member's days, total, activity and claimed content as if the event had never arrived, the boards updated at once.
    /// Events scored after it keep their awards. Retracting it again changes nothing; an unknown id is a 404.
    /// Audited as `actor`'s.
    public func retract(program: ProgramContext, eventId: String, actor: String) async throws -> RetractionOutcome {
        let rows: PostgresRows
        do {
            rows = try await postgres.query("SELECT member_id FROM events WHERE program_id = $1 AND event_id = $2", [program.id, eventId])
        } catch {
            throw RallyError.storage(error)
        }
        guard let memberId = try rows.first?.string("member_id") else { throw Self.unknownEvent(eventId, program: program.id) }
        let retraction = Retraction(program: program, eventId: eventId, memberId: memberId, actor: actor)
        return try await enqueue(on: lane(program: program.id, memberId: memberId)) { .retraction(retraction, reply: $0) }
    }

    /// Records a retraction in one transaction, then brings the boards in line and reads the member's ranks.
    func record(_ retraction: Retraction) async throws -> RetractionOutcome {
        let program = retraction.program.id
        let (outcome, updates, ranks, archived, change) = try await postgres.transaction { [retention = leaderboards.retention] connection in
            try Self.commit(retraction, now: Date(), retention: retention, on: connection)
        }
        if !updates.isEmpty || archived {
            leaderboards.postgresBoardsChanged(awarded: [program], archived: archived ? [program] : [])
        }
        activity.changed(change)
        var answer = outcome
        let found = await project(updates, rankQueries: ranks.map {
            RankQuery(submissions: [], program: program, memberId: retraction.memberId, slot: $0.slot, period: $0.period, points: $0.points)
        })
        for (rank, query) in zip(found, ranks) { answer.member.ranks[query.slot] = rank }
        return answer
    }

    private static func commit(_ retraction: Retraction, now: Date, retention: BoardRetention, on connection: PostgresConnection) throws
        -> (RetractionOutcome, [(program: String, update: StandingsUpdate)], [(slot: PeriodRanks.Slot, period: Period, points: Int64)], Bool,
            ActivityChange)
    {
        let program = retraction.program
        let ref = MemberRef(program: program.id, id: retraction.memberId)
        // The member's row first, as a scoring commit locks it: their state changes under one writer at a time.
        let (members, versions) = try loadMembers([ref], locking: [program.id], on: connection)
        guard let row = try connection.query("""
            SELECT action, network, content_id, extract(epoch FROM occurred_at) AS occurred_at, status, points, campaign_id,
                   retracted_at IS NOT NULL AS retracted
            FROM events WHERE program_id = $1 AND event_id = $2 FOR UPDATE
            """, [program.id, retraction.eventId]).first else { throw unknownEvent(retraction.eventId, program: program.id) }
        let points = try row.int("points")
        var updates: [(program: String, update: StandingsUpdate)] = []
        // Whether boards read from PostgreSQL (past periods, campaigns) changed.
        var archived = false
        var change = ActivityChange(programs: [program.id])
        if try !row.bool("retracted") {
            let status = try row.string("status")
            let event = Event(id: retraction.eventId, memberId: retraction.memberId, action: try row.string("action"), network: row.optionalString("network"),
                              contentId: row.optionalString("content_id"), occurredAt: Date(timeIntervalSince1970: try row.double("occurred_at")), tags: [])
            let day = program.calendar.period(.day, containing: event.occurredAt).key
            let localDay = program.calendar.localDate(of: event.occurredAt)
            if localDay.daysSinceEpoch < program.calendar.localDate(of: now).daysSinceEpoch { change.pastDays[program.id] = [localDay] }
            try connection.query("UPDATE events SET retracted_at = to_timestamp($3::float8) WHERE program_id = $1 AND event_id = $2",
                                 [program.id, event.id, String(now.timeIntervalSince1970)])
            let audited = { (retracted: Bool) in
                JSONValue.object(["eventId": .string(event.id), "memberId": .string(event.memberId), "action": .string(event.action),
                                  "status": .string(status), "points": .integer(Int64(points)), "retracted": .bool(retracted)]).text
            }
            try AuditLog.record(program: program.id, actor: retraction.actor, action: "event.retracted", target: "events/\(event.id)",
                                before: audited(false), after: audited(true), on: connection)
            if points != 0 {
                let parameters = [program.id, ref.id, String(-points), String(now.timeIntervalSince1970)]
                try connection.query("""
                    INSERT INTO ledger (program_id, member_id, event_id, kind, action, points, occurred_at, recorded_at)
                    VALUES ($1, $2, $5, 'reversal', $6, $3::int, to_timestamp($7::float8), to_timestamp($4::float8))
                    """, parameters + [event.id, event.action, String(event.occurredAt.timeIntervalSince1970)])
                // The lowered totals were reached now: a rebuild orders them as the live boards do (the latest update).
                try connection.query("""
                    UPDATE member_days SET points = points + $3::bigint, reached_at = greatest(reached_at, to_timestamp($4::float8))
                    WHERE program_id = $1 AND member_id = $2 AND day = $5::date
                    """, parameters + [day])
                let revision = try connection.query("""
                    UPDATE member_totals SET points = points + $3::bigint, revision = revision + 1, reached_at = greatest(reached_at, to_timestamp($4::float8))
                    WHERE program_id = $1 AND member_id = $2 RETURNING revision
                    """, parameters).first?.int64("revision")
                if let campaign = row.optionalString("campaign_id") {
                    try connection.query("""
                        UPDATE member_campaign_days SET points = points + $3::bigint, reached_at = greatest(reached_at, to_timestamp($4::float8))
                        WHERE program_id = $1 AND member_id = $2 AND day = $5::date AND campaign_id = $6
                        """, parameters + [day, campaign])
                    archived = true
                }
                if let revision {
                    let submission = EventSubmission(program: program, event: event, receivedAt: now)
                    let changes = standingsUpdates([(submission, -points)], revisions: [ref: revision], members: members, retention: retention, now: now)
                    updates = changes.updates
                    archived = archived || !changes.backfilled.isEmpty
                }
            }
            if AwardStatus(rawValue: status)?.isScored == true {
                try connection.query("""
                    WITH day AS (
                        UPDATE member_activity SET events = events - 1, earning = earning - $5::int, points = points - $6::bigint
                        WHERE program_id = $1 AND member_id = $2 AND day = $3::date AND action = $4)
                    UPDATE member_action_totals SET events = events - 1, earning = earning - $5::int, points = points - $6::bigint
                    WHERE program_id = $1 AND member_id = $2 AND action = $4
                    """, [program.id, ref.id, day, event.action, points > 0 ? "1" : "0", String(points)])
                try change.count(on: connection)
            }
            try connection.query("DELETE FROM content_awards WHERE program_id = $1 AND member_id = $2 AND event_id = $3", [program.id, ref.id, event.id])
            if versions[program.id]?.subscribed.contains(.eventRetracted) == true {
                try WebhookStore.enqueue([Notification(program: program.id, type: .eventRetracted, data: .object([
                    "eventId": .string(event.id), "memberId": .string(ref.id), "action": .string(event.action), "pointsReversed": .integer(Int64(points)),
                    "retractedAt": .string(RFC3339.format(now, in: program.timeZone)),
                ]))], on: connection)
            }
        }
        let summary = try memberSummaries([ref], programs: [program.id: program], members: members, now: now, on: connection)[ref]
        return (RetractionOutcome(eventId: retraction.eventId, pointsReversed: points, member: summary?.summary ?? .unknown), updates,
                summary?.ranks ?? [], archived, change)
    }

    static func unknownEvent(_ eventId: String, program: String) -> RallyError {
        RallyError(.notFound, "event '\(eventId)' was never recorded in program '\(program)'")
    }
}
