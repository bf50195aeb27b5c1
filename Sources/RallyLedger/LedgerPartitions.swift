import Foundation
import Postgres

/// The ledger's monthly partitions (`Migrations/0013_partitions.sql`): it has no default partition, so that an old month
/// can be detached concurrently, and a point recorded in a month without its partition would be refused. The scheduler
/// creates the months ahead at start and every hour, three months beyond the current one.
enum LedgerPartitions {
    static let monthsAhead = 3

    /// Creates the partitions of the current month and the `monthsAhead` after it that do not exist yet; how many it made.
    @discardableResult
    static func createAhead(on postgres: PostgresPool) async throws -> Int {
        let rows = try await postgres.query("""
            SELECT to_char(m, 'YYYY_MM') AS name, m::timestamp AT TIME ZONE 'UTC' AS starts, (m + interval '1 month')::timestamp AT TIME ZONE 'UTC' AS ends
            FROM generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'), date_trunc('month', now() AT TIME ZONE 'UTC') + $1::int * interval '1 month',
                                 interval '1 month') m
            WHERE to_regclass('ledger_' || to_char(m, 'YYYY_MM')) IS NULL
            """, [String(monthsAhead)])
        for row in rows {
            try await postgres.query("""
                CREATE TABLE IF NOT EXISTS ledger_\(try row.string("name")) PARTITION OF ledger FOR VALUES FROM ('\(try row.string("starts"))') TO ('\(try row.string("ends"))')
                """)
        }
        return rows.count
    }
}
