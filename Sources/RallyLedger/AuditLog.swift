import Foundation
import Postgres
import RallyCore
import RallyStorage

/// One administrative change as the audit log keeps it; `before` and `after` are JSON text (nil: the resource did
/// not exist, or no longer does).
public struct AuditEntry: Sendable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var target: String
    public var before: String?
    public var after: String?
}

/// Every administrative change of a program (settings, keys, rules, badges, webhooks, award revocations,
/// retractions, erasures), written by the store that makes it in the same transaction (`record`), with who made it
/// and the resource before and after; read newest first (`page`).
public struct AuditLog: Sendable {
    let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    /// Records a change in the caller's transaction; `before` and `after` are JSON text.
    static func record(program: String, actor: String, action: String, target: String, before: String?, after: String?,
                       on connection: PostgresConnection) throws {
        try connection.query("""
            INSERT INTO audit_log (program_id, actor, action, target, before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
            """, [program, actor, action, target, before, after])
    }

    /// The program's changes, newest first: at most `limit`, those before the `cursor` entry id when given, of an action
    /// starting with `action` and by `actor` when given (both must hold); the cursor of the next page when there is one.
    public func page(program: String, limit: Int, before cursor: Int64?, action: String? = nil, actor: String? = nil) async throws
        -> ([AuditEntry], Int64?)
    {
        let rows = try await postgres.query("""
            SELECT id, extract(epoch FROM at) AS at, actor, action, target, before::text AS before, after::text AS after
            FROM audit_log WHERE program_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
              AND ($4::text IS NULL OR starts_with(action, $4)) AND ($5::text IS NULL OR actor = $5)
            ORDER BY id DESC LIMIT $3
            """, [program, cursor.map(String.init), String(limit + 1), action, actor])
        let entries = try rows.prefix(limit).map { row in
            AuditEntry(id: try row.int64("id"), at: Date(timeIntervalSince1970: try row.double("at")), actor: try row.string("actor"),
                       action: try row.string("action"), target: try row.string("target"), before: row.optionalString("before"),
                       after: row.optionalString("after"))
        }
        return (entries, rows.count > limit ? entries.last?.id : nil)
    }
}
