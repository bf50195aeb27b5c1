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

    func result(member: MemberAfterEvent) -> EventResult {
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
                            on connection: PostgresConnection) throws -> (members: [MemberRef: MemberSnapshot], versions: [String: ProgramVersions]) {
        var members: [MemberRef: MemberSnapshot] = [:]
        var versions: [String: ProgramVersions] = [:]
        for (program, ids) in Dictionary(grouping: refs, by: \.program).sorted(by: { $0.key < $1.key }) {
            let load = LoadMembers(program: program, memberIds: ids.map(\.id))
            let rows = locking.contains(program) ? try connection.run(LoadMembers.Locking(load)) : try connection.run(load)
            for row in rows {
                members[MemberRef(program: program, id: try row.string("member_id"))] = try MemberSnapshot(row)
                versions[program] = ProgramVersions(rules: try row.int("rules_version"), badges: try row.int("badges_version"),
                                                    subscribed: Set(try row.string("subscribed").split(separator: ",").compactMap { WebhookEventType(rawValue: String($0)) }))
            }
        }
        return (members, versions)
    }

    /// A program's rules and badges as PostgreSQL holds them in this transaction.
    static func reloadProgram(_ program: ProgramContext, on connection: PostgresConnection) throws -> ProgramContext {
        guard let row = try connection.run(ReloadProgram(program: program.id)).first else { return program }
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
            let rows = try connection.run(LoadEvents(program: program, eventIds: ids.map(\.id)))
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
}

/// A group's members of one program with their lifetime points, the program's latest rules and badges versions and the
/// notification types its webhooks subscribe to; the program's row held `FOR SHARE` until the commit.
struct LoadMembers: PostgresStatement {
    static let isPrepared = true
    static let sql = """
        WITH p AS (SELECT badges_version FROM programs WHERE id = $1 FOR SHARE)
        SELECT m.member_id, m.enrolled, m.visibility, m.team, m.region, coalesce(t.points, 0) AS lifetime_points, p.badges_version,
               (SELECT coalesce(max(version), 0) FROM rulesets WHERE program_id = $1) AS rules_version,
               (SELECT coalesce(string_agg(DISTINCT e, ','), '') FROM webhooks w, unnest(w.events) e
                WHERE w.program_id = $1 AND w.deleted_at IS NULL) AS subscribed
        FROM p, members m LEFT JOIN member_totals t ON t.program_id = m.program_id AND t.member_id = m.member_id
        WHERE m.program_id = $1 AND m.member_id = ANY($2::text[])
        ORDER BY m.member_id
        """

    var program: String
    var memberIds: [String]
    var bindings: [any PostgresBindable] { [program, memberIds] }

    /// The same, the members' rows locked in one order until the transaction ends.
    struct Locking: PostgresStatement {
        static let isPrepared = true
        static let sql = LoadMembers.sql + " FOR NO KEY UPDATE OF m"

        var load: LoadMembers
        init(_ load: LoadMembers) { self.load = load }
        var bindings: [any PostgresBindable] { load.bindings }
    }
}

/// Stored events with the given ids, with the badges each earned.
struct LoadEvents: PostgresStatement {
    static let isPrepared = true
    static let sql = """
        SELECT event_id, member_id, action, network, content_id, extract(epoch FROM occurred_at) AS occurred_at,
               tags::text AS tags, status, points, breakdown::text AS breakdown, rules_version, level_reached::text AS level_reached,
               (\(BadgeAwardRows.select(program: "events.program_id", member: "events.member_id", event: "events.event_id"))) AS badges
        FROM events WHERE program_id = $1 AND event_id = ANY($2::text[])
        """

    var program: String
    var eventIds: [String]
    var bindings: [any PostgresBindable] { [program, eventIds] }
}

/// A program's rules and badges as PostgreSQL holds them in this transaction.
struct ReloadProgram: PostgresStatement {
    static let sql = """
        SELECT (\(RulesetRows.select("$1"))) AS rulesets, (\(BadgeStore.select("$1"))) AS badges, badges_version FROM programs WHERE id = $1
        """

    var program: String
    var bindings: [any PostgresBindable] { [program] }
}
