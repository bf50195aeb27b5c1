import Foundation
import Postgres
import RallyCore
import RallyLeaderboards
import RallyStorage

/// A member as the profile endpoint shows them.
public struct Member: Sendable {
    public var id: String
    public var profile: MemberProfile
    public var points: PeriodPoints
    /// What the member may spend on rewards: lifetime points less what they spent net.
    public var balance: Int64
    public var ranks: PeriodRanks
    /// The awards held (revoked ones aside), oldest first.
    public var badges: [EarnedBadge]
    /// The member's streak for each streak badge, as of today.
    public var streaks: [(badgeId: String, streak: Streak)]
}

/// One line of a member's point history.
public struct LedgerEntry: Sendable {
    public var id: Int64
    public var eventId: String
    public var kind: String
    public var action: String
    public var points: Int
    public var occurredAt: Date
    public var recordedAt: Date
    /// The ruleset version that scored the event, and how (the event's breakdown).
    public var rulesVersion: Int
    public var breakdown: [AwardLine]
}

/// Members (employees) of a program: profiles in PostgreSQL, their listing on boards refreshed through the writer.
public final class MemberStore: Sendable {
    let postgres: PostgresPool
    let writer: EventWriter
    let leaderboards: Leaderboards

    public init(postgres: PostgresPool, writer: EventWriter, leaderboards: Leaderboards) {
        self.postgres = postgres
        self.writer = writer
        self.leaderboards = leaderboards
    }

    /// What an upsert did to one member.
    public enum UpsertOutcome: String, Sendable {
        case created, updated, unchanged
    }

    /// Creates or replaces profiles (valid, with distinct ids) in one statement, then brings the boards in line for those
    /// that changed; one outcome per profile, in order.
    public func upsert(program: String, _ profiles: [(memberId: String, profile: MemberProfile)]) async throws -> [UpsertOutcome] {
        guard !profiles.isEmpty else { return [] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let audiences = try profiles.map { String(decoding: try encoder.encode($0.profile.audience), as: UTF8.self) }
        let written: [String: UpsertOutcome]
        // A row whose every field is already as given is left alone (and not returned): it is unchanged.
        let rows = try await postgres.query("""
            INSERT INTO members AS m (program_id, member_id, display_name, team, region, enrolled, visibility, audience)
            SELECT $1, i, d, t, r, e, v, a FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::jsonb[])
                AS u(i, d, t, r, e, v, a)
            ON CONFLICT (program_id, member_id) DO UPDATE SET
                display_name = EXCLUDED.display_name, team = EXCLUDED.team, region = EXCLUDED.region,
                enrolled = EXCLUDED.enrolled, visibility = EXCLUDED.visibility, audience = EXCLUDED.audience, updated_at = now()
            WHERE (m.display_name, m.team, m.region, m.enrolled, m.visibility, m.audience)
                IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.team, EXCLUDED.region, EXCLUDED.enrolled, EXCLUDED.visibility, EXCLUDED.audience)
            RETURNING member_id, (xmax = 0) AS created
            """, [
                program,
                PostgresArray.literal(profiles.map(\.memberId)),
                PostgresArray.literal(profiles.map(\.profile.displayName)),
                PostgresArray.literal(profiles.map(\.profile.team)),
                PostgresArray.literal(profiles.map(\.profile.region)),
                PostgresArray.literal(profiles.map { $0.profile.enrolled ? "true" : "false" }),
                PostgresArray.literal(profiles.map(\.profile.visibility.rawValue)),
                PostgresArray.literal(audiences),
            ])
        written = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.string("member_id"), try $0.bool("created") ? .created : .updated) })
        if !written.isEmpty {
            leaderboards.postgresBoardsChanged(awarded: [program], archived: [program])
            writer.activity.changed([program])
        }
        try await writer.refreshMembers(program: program, memberIds: Array(written.keys))
        return profiles.map { written[$0.memberId] ?? .unchanged }
    }

    /// The member's profile with this week's, this month's and all-time points and ranks.
    public func member(_ program: ProgramContext, memberId: String, now: Date = Date()) async throws -> Member {
        guard let days = SummaryDays(program, now: now) else { throw Self.unknownMember(memberId, program: program.id) }
        let read = ProfileRead(program: program.id, memberId: memberId, days: days,
                               streaks: program.badges.contains { if case .streak = $0.criteria { true } else { false } })
        guard let row = try await postgres.pipelined(read).first else {
            throw Self.unknownMember(memberId, program: program.id)
        }
        let totals = MemberTotals.Summary(row)
        let badges = try BadgeAwardRows.badges(try row.string("badges"))
        let activeDays = try ProfileRead.activeDays(row)
        let profile = MemberProfile(
            displayName: row.optionalString("display_name"), team: row.optionalString("team"), region: row.optionalString("region"),
            enrolled: try row.bool("enrolled"), audience: try ProfileRead.audience(row),
            visibility: try MemberSnapshot(row).visibility)
        var ranks = PeriodRanks(week: nil, month: nil, all: nil)
        if profile.isRanked {
            let slots: [(PeriodRanks.Slot, Period, Int64?)] = [(.week, program.calendar.period(.week, containing: now), totals.week),
                                                              (.month, program.calendar.period(.month, containing: now), totals.month),
                                                              (.all, .allTime, totals.lifetime)]
            let present = slots.compactMap { slot, period, points in points.map { (slot, period, $0) } }
            // Without Redis the profile still answers, its ranks unknown (null); a failure marks the projection stale.
            do {
                let found = try await leaderboards.ranks(program: program.id, standings: present.map { ($0.1, $0.2) })
                for ((slot, _, _), rank) in zip(present, found) { ranks[slot] = rank }
            } catch let error as RallyError where error.code == .unavailable {
                // Being rebuilt: ranks come back with the boards.
            } catch {
                writer.markProjectionStale(error)
            }
        }
        let today = program.calendar.localDate(of: now)
        let streaks = program.badges.compactMap { badge -> (badgeId: String, streak: Streak)? in
            guard case let .streak(unit, actions) = badge.criteria else { return nil }
            let days = activeDays.filter { actions.isEmpty || actions.contains($0.action) }.map(\.day)
            return (badge.id, Streak(activeDays: days, unit: unit).asOf(today, unit: unit))
        }
        return Member(id: memberId, profile: profile,
                      points: PeriodPoints(lifetime: totals.lifetime ?? 0, week: totals.week ?? 0, month: totals.month ?? 0),
                      balance: Redemptions.balance(earned: totals.lifetime ?? 0, spent: try row.int64("spent")), ranks: ranks,
                      badges: badges, streaks: streaks)
    }

    /// Members whose id or name starts with `text` (any case), by id: at most `limit` (the console's search).
    public func search(program: String, text: String, limit: Int) async throws -> [(id: String, profile: MemberProfile)] {
        let pattern = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        return try await postgres.query("""
            SELECT member_id, display_name, team, region, enrolled, visibility FROM members
            WHERE program_id = $1 AND (member_id ILIKE $2 OR display_name ILIKE $2) ORDER BY member_id LIMIT $3::int
            """, [program, pattern, String(limit)]).map { row in
            (try row.string("member_id"),
             MemberProfile(displayName: row.optionalString("display_name"), team: row.optionalString("team"), region: row.optionalString("region"),
                           enrolled: try row.bool("enrolled"), audience: [:], visibility: Visibility(rawValue: try row.string("visibility")) ?? .public))
        }
    }

    /// A page of the member's ledger, newest first, and the cursor of the next page.
    public func ledger(program: String, memberId: String, limit: Int, before cursor: Int64?) async throws -> ([LedgerEntry], Int64?) {
        let (exists, rows) = try await postgres.withConnection { connection in
            let exists = try connection.query("SELECT 1 FROM members WHERE program_id = $1 AND member_id = $2", [program, memberId]).count == 1
            let rows = try connection.query("""
                SELECT l.id, l.event_id, l.kind, l.action, l.points, extract(epoch FROM l.occurred_at) AS occurred_at,
                       extract(epoch FROM l.recorded_at) AS recorded_at, e.rules_version, e.breakdown::text AS breakdown
                FROM ledger l JOIN events e ON e.program_id = l.program_id AND e.event_id = l.event_id
                WHERE l.program_id = $1 AND l.member_id = $2 AND ($3::bigint IS NULL OR l.id < $3::bigint)
                ORDER BY l.id DESC LIMIT $4
                """, [program, memberId, cursor.map(String.init), String(limit + 1)])
            return (exists, rows)
        }
        guard exists else { throw Self.unknownMember(memberId, program: program) }
        let entries = try rows.prefix(limit).map { row in
            LedgerEntry(id: try row.int64("id"), eventId: try row.string("event_id"), kind: try row.string("kind"), action: try row.string("action"),
                        points: try row.int("points"), occurredAt: Date(timeIntervalSince1970: try row.double("occurred_at")),
                        recordedAt: Date(timeIntervalSince1970: try row.double("recorded_at")), rulesVersion: try row.int("rules_version"),
                        breakdown: try JSONDecoder().decode([AwardLine].self, from: Data(try row.string("breakdown").utf8)))
        }
        return (entries, rows.count > limit ? entries.last?.id : nil)
    }
}

/// A member's profile in one round trip, prepared once per connection: their row and summary (`MemberTotals.profileSQL`),
/// their awards (revoked ones aside), what they spent on rewards and, when the program has streak badges (`$7`), the
/// days they did each action the rules scored.
struct ProfileRead: PostgresStatement {
    static let isPrepared = true
    static let sql = MemberTotals.profileSQL(alsoSelecting: [
        "(\(BadgeAwardRows.select(where: "a.program_id = $1 AND a.member_id = $2 AND a.revoked_at IS NULL"))) AS badges",
        """
        (SELECT coalesce(jsonb_agg(jsonb_build_array(day, action)), '[]')::text FROM member_activity
                WHERE $7 AND program_id = $1 AND member_id = $2 AND events > 0) AS days
        """,
        "coalesce((SELECT spent FROM member_balances WHERE program_id = $1 AND member_id = $2), 0) AS spent",
    ])

    var program: String
    var memberId: String
    var days: SummaryDays
    var streaks: Bool
    var bindings: [any PostgresBindable] { [program, memberId] + days.bindings + [streaks] }

    /// The `audience` column: followers per network.
    static func audience(_ row: PostgresRow) throws -> [String: Int] {
        guard case let .object(networks)? = JSONValue(text: try row.string("audience")) else {
            throw PostgresError(kind: .decoding, message: "members.audience is not a JSON object")
        }
        return try networks.mapValues { count in
            guard case let .integer(value) = count, let followers = Int(exactly: value) else {
                throw PostgresError(kind: .decoding, message: "members.audience holds a count that is not an integer")
            }
            return followers
        }
    }

    /// The `days` column: each day the member did an action.
    static func activeDays(_ row: PostgresRow) throws -> [(day: CivilDate, action: String)] {
        guard case let .array(days)? = JSONValue(text: try row.string("days")) else { return [] }
        return days.compactMap { pair in
            guard case let .array(fields) = pair, fields.count == 2, case let .string(day) = fields[0], case let .string(action) = fields[1],
                  let date = CivilDate.parse(day) else { return nil }
            return (date, action)
        }
    }
}
