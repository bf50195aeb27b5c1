import Foundation
import Postgres
import RallyCore

/// The badges HR defines for a program. (Awarding them is the next step of the badges work.)
public final class BadgeStore: Sendable {
    private let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    /// Creates or replaces a badge (validated against the actions the program's rules know); true when it was created.
    public func put(_ badge: Badge, program: String) async throws -> Bool {
        do {
            let rows = try await postgres.query("""
                INSERT INTO badges AS b (program_id, badge_id, document) VALUES ($1, $2, $3::jsonb)
                ON CONFLICT (program_id, badge_id) DO UPDATE SET document = EXCLUDED.document, updated_at = now(), deleted_at = NULL
                RETURNING (xmax = 0) AS created
                """, [program, badge.id, badge.document.text])
            return try rows.first?.bool("created") ?? false
        } catch {
            throw RallyError.storage(error)
        }
    }

    /// The program's badges (deleted ones aside), by id.
    public func list(program: ProgramContext) async throws -> [Badge] {
        let rows: PostgresRows
        do {
            rows = try await postgres.query("""
                SELECT badge_id, document::text AS document FROM badges WHERE program_id = $1 AND deleted_at IS NULL ORDER BY badge_id
                """, [program.id])
        } catch {
            throw RallyError.storage(error)
        }
        // Every action a stored badge names was known when it was stored, and versions are never removed.
        let known = program.rules.knownActions
        return try rows.map { row in
            let id = try row.string("badge_id")
            guard let document = JSONValue(text: try row.string("document")), case let .success(badge) = Badge.parse(document, id: id, knownActions: known) else {
                throw RallyError(.internalError, "a stored badge could not be read", internalDetail: "badges: \(program.id)/\(id)")
            }
            return badge
        }
    }

    /// Deletes a badge (awards already given keep it); a 404 when there is none.
    public func delete(program: String, badgeId: String) async throws {
        let rows: PostgresRows
        do {
            rows = try await postgres.query("""
                UPDATE badges SET deleted_at = now() WHERE program_id = $1 AND badge_id = $2 AND deleted_at IS NULL
                """, [program, badgeId])
        } catch {
            throw RallyError.storage(error)
        }
        guard rows.affectedRows == 1 else { throw RallyError(.notFound, "badge '\(badgeId)' does not exist in program '\(program)'") }
    }
}
