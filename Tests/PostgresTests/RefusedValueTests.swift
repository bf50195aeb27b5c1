import Foundation
import Postgres
import Testing

/// What PostgreSQL refuses because of the values sent, and how a transaction carries on past it.
@Suite("Refused values and savepoints")
struct RefusedValueTests {
    @Test("a NUL byte in a parameter is refused before anything is sent, and the connection stays usable")
    func nulParameter() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.query("SELECT $1::text AS a", ["a\u{0}b"])
            }
            #expect(error?.kind == .invalidParameter)
            #expect(error?.isRefusedValue == true)
            #expect(error?.message == "parameter $1 contains a NUL byte")
            let rows = try await pool.query("SELECT $1::text AS a", ["ok"])
            #expect(rows.first?["a"] == "ok")
        }
    }

    @Test("values the server refuses are refused values; connection failures and races are not")
    func classification() async throws {
        try await TestDatabase.withPool { pool in
            // 22P05: jsonb has no place for \u0000; 22003: integer out of range; 22008: timestamp out of range.
            for (sql, state) in [(#"SELECT '["a\u0000b"]'::jsonb"#, "22P05"), ("SELECT 2147483648::integer", "22003"),
                                 ("SELECT to_timestamp(1e15)", "22008")] {
                let error = await #expect(throws: PostgresError.self) { try await pool.query(sql) }
                #expect(error?.sqlState == state, "\(sql)")
                #expect(error?.isRefusedValue == true, "\(sql)")
            }
            let syntax = await #expect(throws: PostgresError.self) { try await pool.query("SELEC 1") }
            #expect(syntax?.sqlState == "42601")
            #expect(syntax?.isRefusedValue == false)
        }
        #expect(PostgresError(kind: .query, message: "duplicate", sqlState: "23505").isRefusedValue)
        #expect(PostgresError(kind: .query, message: "index row too large", sqlState: "54000").isRefusedValue)
        #expect(!PostgresError(kind: .query, message: "deadlock", sqlState: "40P01").isRefusedValue)
        #expect(!PostgresError(kind: .connection, message: "gone", sqlState: "08006").isRefusedValue)
        #expect(!PostgresError(kind: .timeout, message: "cancelled", sqlState: "57014").isRefusedValue)
        #expect(!PostgresError(kind: .query, message: "disk full", sqlState: "53100").isRefusedValue)
    }

    @Test("a savepoint undoes only its own work; the transaction commits the rest")
    func savepointRollback() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            try await TestDatabase.withTable(pool, columns: "id int PRIMARY KEY, n integer NOT NULL CHECK (n >= 0)") { table in
                let refused = try await pool.transaction { connection -> String? in
                    try connection.query("INSERT INTO \(table) (id, n) VALUES (1, 1)")
                    var refused: String?
                    do {
                        try connection.savepoint {
                            try connection.query("INSERT INTO \(table) (id, n) VALUES (2, 2)")
                            try connection.query("INSERT INTO \(table) (id, n) VALUES (3, -3)")
                        }
                    } catch let error as PostgresError {
                        refused = error.sqlState
                    }
                    try connection.savepoint { try connection.query("INSERT INTO \(table) (id, n) VALUES (4, 4)") }
                    return refused
                }
                #expect(refused == "23514")
                let ids = try await pool.query("SELECT id FROM \(table) ORDER BY id").map { try $0.int("id") }
                #expect(ids == [1, 4])
            }
        }
    }
}
