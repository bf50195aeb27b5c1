import Foundation
import Postgres
import RallyCore
import RallyStorage

/// Badge awards as PostgreSQL stores them (`member_badges`): a tier or period of '' means none.
enum BadgeAwardRows {
    /// A subquery giving, as one JSON array oldest first, the awards in `table` (`member_badges`, or rows of its shape)
    /// that `condition` selects (on the alias `a`), each with its badge's name.
    static func select(from table: String = "member_badges", where condition: String) -> String {
        """
        SELECT coalesce(jsonb_agg(jsonb_build_object('badgeId', a.badge_id, 'tier', nullif(a.tier, ''), 'name', d.document->>'name',
                                                      'awardedAt', extract(epoch FROM a.awarded_at), 'eventId', a.event_id,
                                                      'period', nullif(a.period_key, '')) ORDER BY a.awarded_at, a.badge_id, a.tier), '[]')::text
        FROM \(table) a JOIN badges d ON d.program_id = a.program_id AND d.badge_id = a.badge_id
        WHERE \(condition)
        """
    }

    /// The awards an event of a member earned (revoked ones too: a retry answers as the first answer did), found among
    /// the member's awards.
    static func select(program: String, member: String, event: String) -> String {
        select(where: "a.program_id = \(program) AND a.member_id = \(member) AND a.event_id = \(event)")
    }

    /// The awards read from `select`'s text.
    static func badges(_ text: String) throws -> [EarnedBadge] {
        guard case let .array(rows)? = JSONValue(text: text) else { throw unreadable("not a JSON array") }
        return try rows.map { row in
            guard case let .object(fields) = row, case let .string(badgeId)? = fields["badgeId"], case let .string(name)? = fields["name"],
                  let awardedAt = fields["awardedAt"]?.double else { throw unreadable("an award lacks its badge, name or time") }
            func text(_ key: String) -> String? { if case let .string(value)? = fields[key] { value } else { nil } }
            return EarnedBadge(badgeId: badgeId, tier: text("tier"), name: name, awardedAt: Date(timeIntervalSince1970: awardedAt),
                               eventId: text("eventId"), period: text("period"))
        }
    }

    /// A level as `events.level_reached` stores it.
    static func level(_ text: String) throws -> Level {
        guard case let .object(fields)? = JSONValue(text: text), case let .string(name)? = fields["name"],
              case let .integer(minPoints)? = fields["minPoints"] else { throw unreadable("a reached level lacks its name or minPoints") }
        return Level(name: name, minPoints: minPoints)
    }

    static func text(_ level: Level) -> String {
        JSONValue.object(["name": .string(level.name), "minPoints": .integer(level.minPoints)]).text
    }

    private static func unreadable(_ detail: String) -> PostgresError {
        PostgresError(kind: .decoding, message: "member_badges: \(detail)")
    }
}

extension BadgeAwardKey {
    /// From a row with `badge_id`, `tier` and `period` ('' or NULL for none).
    init(_ row: PostgresRow) throws {
        self.init(badgeId: try row.string("badge_id"), tier: row.optionalString("tier").flatMap { $0.isEmpty ? nil : $0 },
                  period: row.optionalString("period").flatMap { $0.isEmpty ? nil : $0 })
    }
}

/// One award to record: who, which, and the event that earned it (nil when given retroactively or at a period's close).
struct AwardToRecord {
    var member: MemberRef
    var key: BadgeAwardKey
    var eventId: String?
}

extension BadgeAwardRows {
    /// Records awards given at `now`, each at most once per member (`ON CONFLICT DO NOTHING`: another writer, the
    /// retroactive pass or a period's close may have given it first); returns those this call recorded.
    static func record(_ awards: [AwardToRecord], now: Date, on connection: PostgresConnection) throws -> [AwardToRecord] {
        guard !awards.isEmpty else { return [] }
        // Rows in one order, so that writers inserting the same awards never deadlock.
        let sorted = awards.sorted {
            ($0.member.program, $0.member.id, $0.key.badgeId, $0.key.tier ?? "", $0.key.period ?? "")
                < ($1.member.program, $1.member.id, $1.key.badgeId, $1.key.tier ?? "", $1.key.period ?? "")
        }
        let recorded = Set(try connection.rows(RecordAwards(awards: sorted, now: now)).map { AwardKeyOfMember(member: $0.member, key: $0.key) })
        return sorted.filter { recorded.contains(AwardKeyOfMember(member: $0.member, key: $0.key)) }
    }
}

private struct AwardKeyOfMember: Hashable {
    var member: MemberRef
    var key: BadgeAwardKey
}
