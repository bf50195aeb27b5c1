import Foundation
import Postgres
import RallyCore
import RallyStorage

/// The badges HR defines for a program, and the awards members hold.
public final class BadgeStore: Sendable {
    private let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    /// Creates or replaces a badge; true when it was created. A badge created, or changed in what earns it, is then
    /// awarded to the members who already meet it (`BadgeStore.awardRetroactively`). The program's badges version goes
    /// up in the same transaction: its row update waits for the writers that read the previous badges (they hold the
    /// row `FOR SHARE`), so every event is either committed before the change, and seen by the retroactive pass, or
    /// scored with the new badge.
    /// Audited as `actor`'s.
    public func put(_ badge: Badge, program: String, actor: String) async throws -> Bool {
        return try await postgres.transaction { connection in
            try connection.query("UPDATE programs SET badges_version = badges_version + 1 WHERE id = $1", [program])
            let before = try connection.query("""
                SELECT document::text AS document FROM badges WHERE program_id = $1 AND badge_id = $2 AND deleted_at IS NULL
                """, [program, badge.id]).first?.string("document")
            try AuditLog.record(program: program, actor: actor, action: "badge.saved", target: "badges/\(badge.id)", before: before,
                                after: badge.document.text, on: connection)
            let rows = try connection.query("""
                INSERT INTO badges AS b (program_id, badge_id, document, retro_cursor) VALUES ($1, $2, $3::jsonb, '')
                ON CONFLICT (program_id, badge_id) DO UPDATE SET document = EXCLUDED.document, updated_at = now(), deleted_at = NULL,
                    retro_cursor = CASE WHEN \(Self.earnsAlike) THEN b.retro_cursor ELSE '' END,
                    -- A pass under the old criteria stops at its next chunk: another may start at once.
                    retro_lease = CASE WHEN \(Self.earnsAlike) THEN b.retro_lease END
                RETURNING (xmax = 0) AS created
                """, [program, badge.id, badge.document.text])
            return try rows.first?.bool("created") ?? false
        }
    }

    /// Whether the stored badge `b` and the proposed one earn alike (same criteria and tiers, not deleted).
    private static let earnsAlike = """
        b.document->'criteria' = EXCLUDED.document->'criteria' AND b.document->'tiers' IS NOT DISTINCT FROM EXCLUDED.document->'tiers'
        AND b.deleted_at IS NULL
        """

    /// Deletes a badge (awards already given keep it), audited as `actor`'s; a 404 when there is none.
    public func delete(program: String, badgeId: String, actor: String) async throws {
        let deleted: Bool
        deleted = try await postgres.transaction { connection in
            try connection.query("UPDATE programs SET badges_version = badges_version + 1 WHERE id = $1", [program])
            guard let row = try connection.query("""
                UPDATE badges SET deleted_at = now(), retro_cursor = NULL WHERE program_id = $1 AND badge_id = $2 AND deleted_at IS NULL
                RETURNING document::text AS document
                """, [program, badgeId]).first else { return false }
            try AuditLog.record(program: program, actor: actor, action: "badge.deleted", target: "badges/\(badgeId)",
                                before: try row.string("document"), after: nil, on: connection)
            return true
        }
        guard deleted else { throw RallyError(.notFound, "badge '\(badgeId)' does not exist in program '\(program)'") }
    }

    /// Revokes a member's awards of a badge (one tier, or one period of a rank badge, when given); returns those
    /// revoked, or a 404 when the member holds none. A revoked award is not given again by later events. Audited as
    /// `actor`'s.
    public func revoke(program: String, memberId: String, badgeId: String, tier: String?, period: String?, actor: String) async throws
        -> [EarnedBadge]
    {
        let revoked: [EarnedBadge]
        revoked = try await postgres.transaction { connection in
            let rows = try connection.query("""
                WITH r AS (
                    UPDATE member_badges SET revoked_at = now()
                    WHERE program_id = $1 AND member_id = $2 AND badge_id = $3 AND revoked_at IS NULL
                      AND ($4::text IS NULL OR tier = $4) AND ($5::text IS NULL OR period_key = $5)
                    RETURNING *)
                SELECT (\(BadgeAwardRows.select(from: "r", where: "TRUE"))) AS badges
                """, [program, memberId, badgeId, tier, period])
            let badges = try rows.first?.string("badges") ?? "[]"
            if badges != "[]" {
                try AuditLog.record(program: program, actor: actor, action: "award.revoked", target: "members/\(memberId)/badges/\(badgeId)",
                                    before: badges, after: nil, on: connection)
            }
            return try BadgeAwardRows.badges(badges)
        }
        guard !revoked.isEmpty else {
            throw RallyError(.notFound, "member '\(memberId)' holds no award of badge '\(badgeId)'\(tier.map { " at tier '\($0)'" } ?? "") in program '\(program)'")
        }
        return revoked
    }

    /// How many enrolled members meet `badge` now, at each of its tiers (easiest first; a member counts at every tier
    /// they reach): whom a new badge would be given at once. Nil for a rank badge, given only when a period closes, and a
    /// challenge badge, given only when a challenge is reached.
    public func reach(_ badge: Badge, program: String) async throws -> [(tier: String?, members: Int)]? {
        if !badge.criteria.isEarnedByEvents { return nil }
        let (value, parameter) = BadgeAwarder.bestValueQuery(badge)
        // The retroactive pass's query over the whole program as one chunk (no cursor, no limit), its values counted.
        let rows = try await postgres.query("""
            WITH m AS (SELECT member_id FROM members WHERE program_id = $1 AND enrolled AND member_id > $2 LIMIT $3::int),
                 v AS (\(value))
            SELECT v.value, count(*) AS members FROM v GROUP BY v.value
            """, [program, "", nil, parameter])
        var reached = badge.tiers.map { (tier: $0.id, members: 0) }
        for row in rows {
            let value = try row.int64("value"), members = try row.int("members")
            for tier in badge.tiersReached(by: value) {
                if let index = badge.tiers.firstIndex(of: tier) { reached[index].members += members }
            }
        }
        return reached
    }

    /// How many members hold each badge of the program (at any tier), by badge id.
    public func holders(program: String) async throws -> [String: Int] {
        let rows = try await postgres.query("""
            SELECT badge_id, count(DISTINCT member_id) AS members FROM member_badges WHERE program_id = $1 GROUP BY badge_id
            """, [program])
        return try Dictionary(uniqueKeysWithValues: rows.map { (try $0.string("badge_id"), try $0.int("members")) })
    }

    /// A subquery giving the badges (deleted ones aside) of the program `programColumn` names, by id, as one JSON array
    /// of `{"id", "document"}`.
    static func select(_ programColumn: String) -> String {
        """
        SELECT coalesce(jsonb_agg(jsonb_build_object('id', b.badge_id, 'document', b.document) ORDER BY b.badge_id), '[]')::text
        FROM badges b WHERE b.program_id = \(programColumn) AND b.deleted_at IS NULL
        """
    }

    /// The badges read from `select`'s text. Every action a stored badge names was known when it was stored, and rules
    /// versions are never removed.
    static func badges(_ text: String, program: String, rules: RulesetHistory) throws -> [Badge] {
        guard case let .array(rows)? = JSONValue(text: text) else { throw unreadable(program, "not a JSON array") }
        let known = rules.knownActions
        return try rows.map { row in
            guard case let .object(fields) = row, case let .string(id)? = fields["id"], let document = fields["document"] else {
                throw unreadable(program, "a row lacks its id or document")
            }
            switch Badge.parse(document, id: id, knownActions: known) {
            case let .success(badge): return badge
            case let .failure(failure): throw unreadable(program, "\(id): \(failure.problems.map { "\($0.field) \($0.problem)" }.joined(separator: "; "))")
            }
        }
    }

    private static func unreadable(_ program: String, _ detail: String) -> RallyError {
        RallyError(.internalError, "a stored badge could not be read", internalDetail: "badges of \(program): \(detail)")
    }
}
