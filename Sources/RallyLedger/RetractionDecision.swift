import Foundation
import Postgres
import RallyCore
import RallyStorage

/// A recorded event as a retraction reads it, its row locked until the transaction ends.
struct RetractedEvent {
    var event: Event
    var award: Award
    /// Whether it was retracted already (retracting it again changes nothing).
    var retracted: Bool
}

/// The middle of a retraction, with no I/O: what taking a recorded event back changes. The member's state becomes what
/// it would be had the event never arrived (`ScoringState.retract`): a reversal entry of minus its points, the points
/// taken off its day, total and campaign (reached now: a rebuild orders the lowered totals as the live boards do), its
/// activity taken back when the rules scored it, the content it claimed freed. Events scored after it keep their awards.
/// A held event's points never counted: retracting it reverses nothing.
struct RetractionDecision {
    var retracts: Bool
    var stored: RetractedEvent
    /// What the retraction takes off the member (what the event's answer says, unless its points are held).
    var pointsReversed: Int { stored.award.status == .held ? 0 : stored.award.points }
    var changes = LedgerChanges()
    /// The local day already over it touched, for the analytics kept of that month.
    var activity: ActivityChange
    var notifications: [WebhookNotification] = []

    static func decide(_ stored: RetractedEvent, program: ProgramContext, subscribed: Set<WebhookEventType>, now: Date) -> RetractionDecision {
        var activity = ActivityChange(programs: [program.id])
        guard !stored.retracted else { return RetractionDecision(retracts: false, stored: stored, activity: activity) }
        let event = stored.event
        let localDay = program.calendar.localDate(of: event.occurredAt)
        if localDay.daysSinceEpoch < program.calendar.localDate(of: now).daysSinceEpoch { activity.pastDays[program.id] = [localDay] }
        var decision = RetractionDecision(retracts: true, stored: stored, activity: activity)
        if stored.award.status != .held {
            decision.changes.add(event, of: program, award: stored.award, campaign: stored.award.campaign, kind: .reversal, reachedAt: now, sign: -1)
        }
        if subscribed.contains(.eventRetracted) {
            decision.notifications.append(WebhookNotification(program: program.id, type: .eventRetracted, data: .object([
                "eventId": .string(event.id), "memberId": .string(event.memberId), "action": .string(event.action),
                "pointsReversed": .integer(Int64(decision.pointsReversed)), "retractedAt": .string(RFC3339.format(now, in: program.timeZone)),
            ])))
        }
        return decision
    }

    /// The event as the audit log shows it, before and after.
    func audited(retracted: Bool) -> String {
        JSONValue.object(["eventId": .string(stored.event.id), "memberId": .string(stored.event.memberId), "action": .string(stored.event.action),
                          "status": .string(stored.award.status.rawValue), "points": .integer(Int64(stored.award.points)),
                          "retracted": .bool(retracted)]).text
    }
}

/// The events a retraction or a flag's review takes back or releases, as stored, their rows locked in id order.
struct LoadRetractedEvents: PostgresQuery {
    static let sql = """
        SELECT event_id, member_id, action, network, content_id, extract(epoch FROM occurred_at) AS occurred_at, tags::text AS tags, status,
               points, campaign_id, retracted_at IS NOT NULL AS retracted
        FROM events WHERE program_id = $1 AND event_id = ANY($2::text[]) ORDER BY event_id FOR UPDATE
        """

    var program: String
    var eventIds: [String]
    var bindings: [any PostgresBindable] { [program, eventIds] }

    static func decode(_ row: PostgresRow) throws -> RetractedEvent {
        let status = try row.string("status")
        guard let known = AwardStatus(rawValue: status) else { throw PostgresError(kind: .decoding, message: "unknown status '\(status)' in events") }
        var award = Award(status: known, points: try row.int("points"), breakdown: [])
        award.campaign = row.optionalString("campaign_id")
        let event = Event(id: try row.string("event_id"), memberId: try row.string("member_id"), action: try row.string("action"), network: row.optionalString("network"),
                          contentId: row.optionalString("content_id"), occurredAt: Date(timeIntervalSince1970: try row.double("occurred_at")),
                          tags: try JSONDecoder().decode([String].self, from: Data(try row.string("tags").utf8)))
        return RetractedEvent(event: event, award: award, retracted: try row.bool("retracted"))
    }
}

/// The member an event belongs to: the lane its retraction runs on.
struct EventMember: PostgresQuery {
    static let sql = "SELECT member_id FROM events WHERE program_id = $1 AND event_id = $2"

    var program: String
    var eventId: String
    var bindings: [any PostgresBindable] { [program, eventId] }

    static func decode(_ row: PostgresRow) throws -> String {
        try row.string("member_id")
    }
}

/// Marks events retracted.
struct MarkRetracted: PostgresStatement {
    static let sql = "UPDATE events SET retracted_at = to_timestamp($3::float8) WHERE program_id = $1 AND event_id = ANY($2::text[])"

    var program: String
    var eventIds: [String]
    var at: Date
    var bindings: [any PostgresBindable] { [program, eventIds, at] }
}
