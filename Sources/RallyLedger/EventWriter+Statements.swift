import Foundation
import Postgres
import RallyCore
import RallyStorage

struct PeriodRef: Hashable {
    var member: MemberRef
    var period: String
}

extension EventSubmission {
    var eventRef: EventRef { EventRef(program: program.id, id: event.id) }
    var memberRef: MemberRef { MemberRef(program: program.id, id: event.memberId) }
}

/// What a group commit reads of a program in its transaction: the latest rules and badges versions, and the
/// notification types its webhooks subscribe to (nothing is built for the others).
struct ProgramVersions {
    var rules: Int
    var badges: Int
    var subscribed: Set<WebhookEventType>
}

/// An event as stored, to answer a retry with its original result.
struct StoredEvent {
    var event: Event
    var status: AwardStatus
    var points: Int
    var breakdown: [AwardLine]
    var rulesVersion: Int
    var badgesAwarded: [EarnedBadge]
    var levelReached: Level?

    func result(member: MemberSummary) -> EventResult {
        EventResult(eventId: event.id, status: status, points: points, breakdown: breakdown, rulesVersion: rulesVersion,
                    badgesAwarded: badgesAwarded, levelReached: levelReached, member: member)
    }
}

/// The SQL of one group commit: each statement takes whole columns as array parameters, so a group costs a fixed number of round trips.
extension EventWriter {
    /// The members (with their lifetime points), their rows locked in one order until the transaction ends for the
    /// programs in `locking` (their scoring state is then read and written by this writer alone, whichever instance the
    /// others run in), and the number of each program's latest rules version (0: none) and badges version, in one
    /// statement per program. The program's row is held `FOR SHARE` until the commit: a change of its badges waits for
    /// this group, and a group that starts after that change reads its new version (`BadgeStore.put`); so does a change of
    /// its webhooks (`WebhookStore.put`).
    static func loadMembers(_ refs: Set<MemberRef>, locking: Set<String>,
                            on connection: PostgresConnection) throws -> (members: [MemberRef: MemberState], versions: [String: ProgramVersions]) {
        var members: [MemberRef: MemberState] = [:]
        var versions: [String: ProgramVersions] = [:]
        for (program, ids) in Dictionary(grouping: refs, by: \.program).sorted(by: { $0.key < $1.key }) {
            let rows = try connection.query("""
                WITH p AS (SELECT badges_version FROM programs WHERE id = $1 FOR SHARE)
                SELECT m.member_id, m.enrolled, m.visibility, m.team, m.region, coalesce(t.points, 0) AS lifetime_points, p.badges_version,
                       (SELECT coalesce(max(version), 0) FROM rulesets WHERE program_id = $1) AS rules_version,
                       (SELECT coalesce(string_agg(DISTINCT e, ','), '') FROM webhooks w, unnest(w.events) e
                        WHERE w.program_id = $1 AND w.deleted_at IS NULL) AS subscribed
                FROM p, members m LEFT JOIN member_totals t ON t.program_id = m.program_id AND t.member_id = m.member_id
                WHERE m.program_id = $1 AND m.member_id = ANY($2::text[])
                ORDER BY m.member_id\(locking.contains(program) ? " FOR NO KEY UPDATE OF m" : "")
                """, [program, PostgresArray.literal(ids.map(\.id))])
            for row in rows {
                members[MemberRef(program: program, id: try row.string("member_id"))] = try MemberState(row)
                versions[program] = ProgramVersions(rules: try row.int("rules_version"), badges: try row.int("badges_version"),
                                                    subscribed: Set(try row.string("subscribed").split(separator: ",").compactMap { WebhookEventType(rawValue: String($0)) }))
            }
        }
        return (members, versions)
    }

    /// A program's rules and badges as PostgreSQL holds them in this transaction.
    static func reloadProgram(_ program: ProgramContext, on connection: PostgresConnection) throws -> ProgramContext {
        guard let row = try connection.query("""
            SELECT (\(RulesetRows.select("$1"))) AS rulesets, (\(BadgeStore.select("$1"))) AS badges, badges_version FROM programs WHERE id = $1
            """, [program.id]).first else { return program }
        var fresh = program
        fresh.rules = try RulesetRows.history(try row.string("rulesets"))
        fresh.badges = try BadgeStore.badges(try row.string("badges"), program: program.id, rules: fresh.rules)
        fresh.badgesVersion = try row.int("badges_version")
        return fresh
    }

    static func loadEvents(_ refs: [EventRef], on connection: PostgresConnection) throws -> [EventRef: StoredEvent] {
        var events: [EventRef: StoredEvent] = [:]
        let decoder = JSONDecoder()
        for (program, ids) in Dictionary(grouping: refs, by: \.program) {
            let rows = try connection.query("""
                SELECT event_id, member_id, action, network, content_id, extract(epoch FROM occurred_at) AS occurred_at,
                       tags::text AS tags, status, points, breakdown::text AS breakdown, rules_version, level_reached::text AS level_reached,
                       (\(BadgeAwardRows.select(program: "events.program_id", member: "events.member_id", event: "events.event_id"))) AS badges
                FROM events WHERE program_id = $1 AND event_id = ANY($2::text[])
                """, [program, PostgresArray.literal(ids.map(\.id))])
            for row in rows {
                let event = Event(id: try row.string("event_id"), memberId: try row.string("member_id"), action: try row.string("action"),
                                  network: row.optionalString("network"), contentId: row.optionalString("content_id"),
                                  occurredAt: Date(timeIntervalSince1970: try row.double("occurred_at")),
                                  tags: try decoder.decode([String].self, from: Data(try row.string("tags").utf8)))
                let status = try row.string("status")
                guard let known = AwardStatus(rawValue: status) else {
                    throw PostgresError(kind: .decoding, message: "unknown status '\(status)' in events")
                }
                events[EventRef(program: program, id: event.id)] = StoredEvent(
                    event: event, status: known, points: try row.int("points"),
                    breakdown: try decoder.decode([AwardLine].self, from: Data(try row.string("breakdown").utf8)),
                    rulesVersion: try row.int("rules_version"), badgesAwarded: try BadgeAwardRows.badges(try row.string("badges")),
                    levelReached: try row.optionalString("level_reached").map(BadgeAwardRows.level))
            }
        }
        return events
    }

    /// Inserts new events; throws `ConcurrentWriterRace` when another writer recorded one of them meanwhile.
    static func insertEvents(_ events: [(submission: EventSubmission, award: Award)], on connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        let rows = try connection.query("""
            INSERT INTO events (program_id, event_id, member_id, action, network, content_id, occurred_at, tags, status, points, breakdown,
                                received_at, rules_version, campaign_id, level_reached)
            SELECT p, e, m, a, n, c, to_timestamp(o), t, s, pts, b, to_timestamp(r), v, k, l
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::jsonb[],
                        $9::text[], $10::int[], $11::jsonb[], $12::float8[], $13::int[], $14::text[], $15::jsonb[])
                 AS u(p, e, m, a, n, c, o, t, s, pts, b, r, v, k, l)
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
                PostgresArray.literal(events.map { String($0.1.rulesVersion) }),
                PostgresArray.literal(events.map { $0.1.campaign }),
                PostgresArray.literal(events.map { $0.1.levelReached.map(BadgeAwardRows.text) }),
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

    /// Adds each award to its member's local day (one row per member and day, summed first).
    static func addToMemberDays(_ awards: [(EventSubmission, Int)], on connection: PostgresConnection) throws {
        var deltas: [PeriodRef: (points: Int64, reachedAt: Date)] = [:]
        for (submission, points) in awards where points != 0 {
            let day = submission.program.calendar.period(.day, containing: submission.event.occurredAt).key
            let ref = PeriodRef(member: submission.memberRef, period: day)
            let previous = deltas[ref]
            deltas[ref] = ((previous?.points ?? 0) + Int64(points), max(previous?.reachedAt ?? submission.receivedAt, submission.receivedAt))
        }
        guard !deltas.isEmpty else { return }
        // Rows in one order everywhere, so that writers locking the same rows never deadlock.
        let entries = deltas.sorted { ($0.key.member.program, $0.key.member.id, $0.key.period) < ($1.key.member.program, $1.key.member.id, $1.key.period) }
        try connection.query("""
            INSERT INTO member_days AS d (program_id, member_id, day, points, reached_at)
            SELECT p, m, k, pts, to_timestamp(r)
            FROM unnest($1::text[], $2::text[], $3::date[], $4::bigint[], $5::float8[]) AS u(p, m, k, pts, r)
            ON CONFLICT (program_id, member_id, day)
            DO UPDATE SET points = d.points + EXCLUDED.points, reached_at = greatest(d.reached_at, EXCLUDED.reached_at)
            """, [
                PostgresArray.literal(entries.map(\.key.member.program)),
                PostgresArray.literal(entries.map(\.key.member.id)),
                PostgresArray.literal(entries.map(\.key.period)),
                PostgresArray.literal(entries.map { String($0.value.points) }),
                PostgresArray.literal(entries.map { String($0.value.reachedAt.timeIntervalSince1970) }),
            ])
    }

    /// Adds each member's awards to their lifetime total, one more revision per member; returns the new revisions.
    static func addToMemberTotals(_ awards: [(EventSubmission, Int)], on connection: PostgresConnection) throws -> [MemberRef: Int64] {
        var deltas: [MemberRef: (points: Int64, reachedAt: Date)] = [:]
        for (submission, points) in awards where points != 0 {
            let previous = deltas[submission.memberRef]
            deltas[submission.memberRef] = ((previous?.points ?? 0) + Int64(points),
                                            max(previous?.reachedAt ?? submission.receivedAt, submission.receivedAt))
        }
        guard !deltas.isEmpty else { return [:] }
        let entries = deltas.sorted { ($0.key.program, $0.key.id) < ($1.key.program, $1.key.id) }
        let rows = try connection.query("""
            INSERT INTO member_totals AS t (program_id, member_id, points, revision, reached_at)
            SELECT p, m, pts, 1, to_timestamp(r)
            FROM unnest($1::text[], $2::text[], $3::bigint[], $4::float8[]) AS u(p, m, pts, r)
            ON CONFLICT (program_id, member_id)
            DO UPDATE SET points = t.points + EXCLUDED.points, revision = t.revision + 1, reached_at = greatest(t.reached_at, EXCLUDED.reached_at)
            RETURNING program_id, member_id, revision
            """, [
                PostgresArray.literal(entries.map(\.key.program)),
                PostgresArray.literal(entries.map(\.key.id)),
                PostgresArray.literal(entries.map { String($0.value.points) }),
                PostgresArray.literal(entries.map { String($0.value.reachedAt.timeIntervalSince1970) }),
            ])
        var revisions: [MemberRef: Int64] = [:]
        for row in rows { revisions[MemberRef(program: try row.string("program_id"), id: try row.string("member_id"))] = try row.int64("revision") }
        return revisions
    }
}
