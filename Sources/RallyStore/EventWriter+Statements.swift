import Foundation
import Postgres
import RallyCore

struct EventRef: Hashable {
    var program: String
    var id: String
}

struct MemberRef: Hashable {
    var program: String
    var id: String
}

struct BoardRef: Hashable {
    var program: String
    var period: String
}

struct PeriodRef: Hashable {
    var member: MemberRef
    var period: String
}

extension EventSubmission {
    var eventRef: EventRef { EventRef(program: program.id, id: event.id) }
    var memberRef: MemberRef { MemberRef(program: program.id, id: event.memberId) }
}

/// What scoring and the projection need to know of a member.
struct MemberState {
    var enrolled: Bool
    var visibility: Visibility

    var isRanked: Bool { MemberProfile.isRanked(enrolled: enrolled, visibility: visibility) }

    /// `MemberProfile.isRanked` in SQL, for the `members` table under `alias`.
    static func rankedCondition(_ alias: String) -> String {
        "\(alias).enrolled AND \(alias).visibility <> '\(Visibility.hidden.rawValue)'"
    }
}

/// An event as stored, to answer a retry with its original result.
struct StoredEvent {
    var event: Event
    var status: AwardStatus
    var points: Int
    var breakdown: [AwardLine]

    func result(member: MemberSummary) -> EventResult {
        EventResult(eventId: event.id, status: status, points: points, breakdown: breakdown, member: member)
    }
}

/// The SQL of one group commit: each statement takes whole columns as array parameters, so a group costs a fixed number of round trips.
extension EventWriter {
    static func loadMembers(_ refs: Set<MemberRef>, on connection: PostgresConnection) throws -> [MemberRef: MemberState] {
        var members: [MemberRef: MemberState] = [:]
        for (program, ids) in Dictionary(grouping: refs, by: \.program) {
            let rows = try connection.query(
                "SELECT member_id, enrolled, visibility FROM members WHERE program_id = $1 AND member_id = ANY($2::text[])",
                [program, PostgresArray.literal(ids.map(\.id))])
            for row in rows {
                members[MemberRef(program: program, id: try row.string("member_id"))] =
                    MemberState(enrolled: try row.bool("enrolled"), visibility: Visibility(rawValue: try row.string("visibility")) ?? .public)
            }
        }
        return members
    }

    static func loadEvents(_ refs: [EventRef], on connection: PostgresConnection) throws -> [EventRef: StoredEvent] {
        var events: [EventRef: StoredEvent] = [:]
        let decoder = JSONDecoder()
        for (program, ids) in Dictionary(grouping: refs, by: \.program) {
            let rows = try connection.query("""
                SELECT event_id, member_id, action, network, content_id, extract(epoch FROM occurred_at) AS occurred_at,
                       tags::text AS tags, status, points, breakdown::text AS breakdown
                FROM events WHERE program_id = $1 AND event_id = ANY($2::text[])
                """, [program, PostgresArray.literal(ids.map(\.id))])
            for row in rows {
                let event = Event(id: try row.string("event_id"), memberId: try row.string("member_id"), action: try row.string("action"),
                                  network: row.optionalString("network"), contentId: row.optionalString("content_id"),
                                  occurredAt: Date(timeIntervalSince1970: try row.double("occurred_at")),
                                  tags: try decoder.decode([String].self, from: Data(try row.string("tags").utf8)))
                events[EventRef(program: program, id: event.id)] = StoredEvent(
                    event: event, status: AwardStatus(rawValue: try row.string("status")) ?? .awarded, points: try row.int("points"),
                    breakdown: try decoder.decode([AwardLine].self, from: Data(try row.string("breakdown").utf8)))
            }
        }
        return events
    }

    /// Inserts new events; throws `ConcurrentWriterRace` when another writer recorded one of them meanwhile.
    static func insertEvents(_ events: [(submission: EventSubmission, award: Award)], on connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        let rows = try connection.query("""
            INSERT INTO events (program_id, event_id, member_id, action, network, content_id, occurred_at, tags, status, points, breakdown, received_at)
            SELECT p, e, m, a, n, c, to_timestamp(o), t, s, pts, b, to_timestamp(r)
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::jsonb[],
                        $9::text[], $10::int[], $11::jsonb[], $12::float8[]) AS u(p, e, m, a, n, c, o, t, s, pts, b, r)
            ON CONFLICT (program_id, event_id) DO NOTHING
            """, [
                PostgresArray.literal(events.map { $0.0.program.id }),
                PostgresArray.literal(events.map { $0.0.event.id }),
                PostgresArray.literal(events.map { $0.0.event.memberId }),
                PostgresArray.literal(events.map { $0.0.event.action }),
                PostgresArray.literal(events.map { $0.0.event.network }),
                PostgresArray.literal(events.map { $0.0.event.contentId }),
                PostgresArray.literal(events.map { String($0.0.event.occurredAt.timeIntervalSince1970) }),
                PostgresArray.literal(events.map { JSONText.strings($0.0.event.tags) }),
                PostgresArray.literal(events.map { $0.1.status.rawValue }),
                PostgresArray.literal(events.map { String($0.1.points) }),
                PostgresArray.literal(events.map { JSONText.breakdown($0.1.breakdown) }),
                PostgresArray.literal(events.map { String($0.0.receivedAt.timeIntervalSince1970) }),
            ])
        guard rows.affectedRows == events.count else { throw ConcurrentWriterRace() }
    }

    static func insertLedger(_ awards: [(EventSubmission, Int)], on connection: PostgresConnection) throws {
        guard !awards.isEmpty else { return }
        try connection.query("""
            INSERT INTO ledger (program_id, member_id, event_id, kind, action, points, occurred_at, recorded_at)
            SELECT p, m, e, 'award', a, pts, to_timestamp(o), to_timestamp(r)
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::float8[], $7::float8[]) AS u(p, m, e, a, pts, o, r)
            """, [
                PostgresArray.literal(awards.map { $0.0.program.id }),
                PostgresArray.literal(awards.map { $0.0.event.memberId }),
                PostgresArray.literal(awards.map { $0.0.event.id }),
                PostgresArray.literal(awards.map { $0.0.event.action }),
                PostgresArray.literal(awards.map { String($0.1) }),
                PostgresArray.literal(awards.map { String($0.0.event.occurredAt.timeIntervalSince1970) }),
                PostgresArray.literal(awards.map { String($0.0.receivedAt.timeIntervalSince1970) }),
            ])
    }

    /// Adds points to every tracked period of each event (one row per member and period, summed first);
    /// returns the new totals and when they were reached.
    static func addToPeriodTotals(_ awards: [(EventSubmission, Int)], on connection: PostgresConnection)
        throws -> [StandingChange]
    {
        var deltas: [PeriodRef: (period: Period, points: Int64, reachedAt: Date)] = [:]
        for (submission, points) in awards where points != 0 {
            for period in submission.program.calendar.trackedPeriods(containing: submission.event.occurredAt) {
                let ref = PeriodRef(member: MemberRef(program: submission.program.id, id: submission.event.memberId), period: period.key)
                let previous = deltas[ref]
                deltas[ref] = (period, (previous?.points ?? 0) + Int64(points), max(previous?.reachedAt ?? submission.receivedAt, submission.receivedAt))
            }
        }
        guard !deltas.isEmpty else { return [] }
        let entries = Array(deltas)
        let rows = try connection.query("""
            INSERT INTO period_totals AS t (program_id, member_id, period, points, reached_at)
            SELECT p, m, k, pts, to_timestamp(r)
            FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[]) AS u(p, m, k, pts, r)
            ON CONFLICT (program_id, member_id, period)
            DO UPDATE SET points = t.points + EXCLUDED.points, reached_at = EXCLUDED.reached_at
            RETURNING program_id, member_id, period, points, extract(epoch FROM reached_at) AS reached_at
            """, [
                PostgresArray.literal(entries.map(\.key.member.program)),
                PostgresArray.literal(entries.map(\.key.member.id)),
                PostgresArray.literal(entries.map(\.key.period)),
                PostgresArray.literal(entries.map { String($0.value.points) }),
                PostgresArray.literal(entries.map { String($0.value.reachedAt.timeIntervalSince1970) }),
            ])
        return try rows.map { row in
            let ref = PeriodRef(member: MemberRef(program: try row.string("program_id"), id: try row.string("member_id")), period: try row.string("period"))
            return StandingChange(program: ref.member.program, memberId: ref.member.id, period: deltas[ref]?.period ?? .allTime,
                                  points: try row.int64("points"), reachedAt: Date(timeIntervalSince1970: try row.double("reached_at")))
        }
    }

    /// Current totals of members in the given periods of their program; absent when they have none there.
    static func loadTotals(_ members: [MemberRef], periods: [String: [String]], on connection: PostgresConnection) throws -> [PeriodRef: Int64] {
        var totals: [PeriodRef: Int64] = [:]
        for (program, refs) in Dictionary(grouping: members, by: \.program) {
            let rows = try connection.query("""
                SELECT member_id, period, points FROM period_totals
                WHERE program_id = $1 AND member_id = ANY($2::text[]) AND period = ANY($3::text[])
                """, [program, PostgresArray.literal(refs.map(\.id)), PostgresArray.literal(periods[program] ?? [])])
            for row in rows {
                totals[PeriodRef(member: MemberRef(program: program, id: try row.string("member_id")), period: try row.string("period"))] =
                    try row.int64("points")
            }
        }
        return totals
    }
}
