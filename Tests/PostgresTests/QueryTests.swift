import Foundation
import Postgres
import Testing

@Suite("Queries against PostgreSQL")
struct QueryTests {
    @Test("parameters round trip, including NULL, unicode and quotes")
    func parametersRoundTrip() async throws {
        try await TestDatabase.withPool { pool in
            let values: [String?] = ["plain", nil, "ünïcødé ✓ 🚀 日本語", "it's \"quoted\" \\ back\\slash", "", "two\nlines\ttab"]
            let rows = try await pool.query(
                "SELECT $1::text AS a, $2::text AS b, $3::text AS c, $4::text AS d, $5::text AS e, $6::text AS f",
                values
            )
            #expect(rows.count == 1)
            #expect(rows.columns == ["a", "b", "c", "d", "e", "f"])
            let row = try #require(rows.first)
            for (index, value) in values.enumerated() {
                #expect(row[index] == value)
            }
            #expect(row["a"] == "plain")
            #expect(row["b"] == nil)
            #expect(row["no_such_column"] == nil)
            #expect(row[99] == nil)
            #expect(row.optionalString("c") == "ünïcødé ✓ 🚀 日本語")
            #expect(try row.string("d") == "it's \"quoted\" \\ back\\slash")
            #expect(try row.string("e") == "")
            let nullError = #expect(throws: PostgresError.self) { try row.string("b") }
            #expect(nullError?.kind == .decoding)
            let missingError = #expect(throws: PostgresError.self) { try row.string("zzz") }
            #expect(missingError?.kind == .decoding)
        }
    }

    @Test("typed decoding of integers, doubles, booleans")
    func typedDecoding() async throws {
        try await TestDatabase.withPool { pool in
            let row = try #require(try await pool.query("""
                SELECT 42 AS i, 9007199254740993::bigint AS big, 2.5::float8 AS d, 12.75::numeric AS n,
                       true AS yes, false AS no, NULL::int AS nothing, 'x' AS text
                """).first)
            #expect(try row.int("i") == 42)
            #expect(try row.int64("big") == 9_007_199_254_740_993)
            #expect(try row.double("d") == 2.5)
            #expect(try row.double("n") == 12.75)
            #expect(try row.bool("yes") == true)
            #expect(try row.bool("no") == false)
            #expect(try row.optionalInt("nothing") == nil)
            #expect(try row.optionalInt("i") == 42)
            #expect(throws: PostgresError.self) { try row.int("text") }
            #expect(throws: PostgresError.self) { try row.int("nothing") }
        }
    }

    @Test("arrays via PostgresArray.literal and unnest")
    func arrays() async throws {
        let values: [String?] = ["a", nil, "b\"c", "back\\slash", "comma,{brace}", "NULL", " spaced ", "", "ü"]
        #expect(PostgresArray.literal(["a", nil, "b\"c"]) == #"{"a",NULL,"b\"c"}"#)
        #expect(PostgresArray.literal([String?]()) == "{}")
        try await TestDatabase.withPool { pool in
            let rows = try await pool.query(
                "SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS t(x, n) ORDER BY n",
                [PostgresArray.literal(values)]
            )
            #expect(rows.map { $0["x"] } == values)

            let sum = try await pool.query(
                "SELECT sum(x)::text AS total, count(*) AS n FROM unnest($1::bigint[]) AS t(x)",
                [PostgresArray.literal(["1", "2", "9007199254740990"])]
            )
            #expect(try sum.first?.string("total") == "9007199254740993")
            #expect(try sum.first?.int("n") == 3)

            let empty = try await pool.query("SELECT x FROM unnest($1::text[]) AS t(x)", [PostgresArray.literal([String?]())])
            #expect(empty.isEmpty)
        }
    }

    @Test("a unique violation has SQLSTATE 23505")
    func uniqueViolation() async throws {
        try await TestDatabase.withPool { pool in
            try await TestDatabase.withTable(pool, columns: "id int PRIMARY KEY, label text") { table in
                let inserted = try await pool.query("INSERT INTO \(table) (id, label) VALUES ($1, $2)", ["1", "one"])
                #expect(inserted.affectedRows == 1)
                let error = await #expect(throws: PostgresError.self) {
                    try await pool.query("INSERT INTO \(table) (id, label) VALUES ($1, $2)", ["1", "again"])
                }
                #expect(error?.sqlState == "23505")
                #expect(error?.isUniqueViolation == true)
                #expect(error?.kind == .query)
                #expect(error?.constraint == "\(table)_pkey")
                #expect(error?.detail?.contains("(id)=(1)") == true)
                // The connection stays usable after a failed statement.
                #expect(try await pool.query("SELECT count(*) AS n FROM \(table)").first?.int("n") == 1)
            }
        }
    }

    @Test("a transaction that throws is rolled back and leaves nothing")
    func transactionRollback() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            try await TestDatabase.withTable(pool, columns: "id int PRIMARY KEY") { table in
                await #expect(throws: Marker.self) {
                    try await pool.transaction { connection in
                        try connection.query("INSERT INTO \(table) (id) VALUES (1), (2)")
                        throw Marker()
                    }
                }
                #expect(try await pool.query("SELECT count(*) AS n FROM \(table)").first?.int("n") == 0)

                // An error that the body caught still aborts the transaction: nothing is committed.
                await #expect(throws: PostgresError.self) {
                    try await pool.transaction { connection in
                        try connection.query("INSERT INTO \(table) (id) VALUES (3)")
                        _ = try? connection.query("SELECT 1/0")
                    }
                }
                #expect(try await pool.query("SELECT count(*) AS n FROM \(table)").first?.int("n") == 0)

                let committed = try await pool.transaction { connection in
                    try connection.query("INSERT INTO \(table) (id) VALUES (4)").affectedRows
                }
                #expect(committed == 1)
                #expect(try await pool.query("SELECT count(*) AS n FROM \(table)").first?.int("n") == 1)

                // A body that leaves a transaction open gets it rolled back before the connection is reused.
                try await pool.withConnection { connection in
                    try connection.execute("BEGIN; INSERT INTO \(table) (id) VALUES (5)")
                }
                #expect(try await pool.query("SELECT count(*) AS n FROM \(table)").first?.int("n") == 1)
            }
        }
    }

    @Test("a transaction of generic plans runs its prepared statements on one plan for any parameters, and only it")
    func genericPlans() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            let sql = "SELECT count(*) AS n FROM unnest($1::int[]) AS u(v) WHERE v > $2::int"
            let plans = "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1"
            let counted = try await pool.transaction(planning: .generic) { connection in
                let counts = try (1...3).map { try connection.preparedQuery(sql, ["{1,2,3}", String($0)]).first?.int("n") }
                return (counts, try connection.query("SHOW plan_cache_mode").first?.optionalString("plan_cache_mode"),
                        try connection.query("SHOW enable_seqscan").first?.optionalString("enable_seqscan"))
            }
            #expect(counted.0 == [2, 1, 0])
            #expect(counted.1 == "force_generic_plan")
            #expect(counted.2 == "off")
            let after = try await pool.withConnection { connection in
                (try connection.preparedQuery(sql, ["{1,2,3}", "0"]).first?.int("n"),
                 try connection.query("SHOW plan_cache_mode").first?.optionalString("plan_cache_mode"),
                 try connection.query(plans, [sql]).first.map { (try $0.int("generic_plans"), try $0.int("custom_plans")) })
            }
            #expect(after.0 == 3)
            #expect(after.1 == "auto")  // local to the transaction, as enable_seqscan
            #expect(after.2?.0 == 3 && after.2?.1 == 1)

            // Prepared (and so planned) again once older than a second: the counts start again.
            try await Task.sleep(for: .milliseconds(1100))
            let counts = try await pool.transaction(planning: .generic) { connection in
                for _ in 1...4 { _ = try connection.preparedQuery(sql, ["{1,2,3}", "1"]) }
                return try connection.query(plans, [sql]).first.map { (try $0.int("generic_plans"), try $0.int("custom_plans")) }
            }
            #expect(counts?.0 == 4 && counts?.1 == 0)
        }
    }

    @Test("statement timeout maps to .timeout and the connection stays usable")
    func statementTimeout() async throws {
        try await TestDatabase.withPool(maximumConnections: 1, statementTimeout: .milliseconds(300)) { pool async throws in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.query("SELECT pg_sleep(5)")
            }
            #expect(error?.kind == .timeout)
            #expect(error?.sqlState == "57014")
            #expect(try await pool.query("SELECT 1 AS one").first?.int("one") == 1)
            #expect(try await pool.query("SHOW statement_timeout").first?[0] == "300ms")
        }
    }

    @Test("sessions use UTC, ISO dates and UTF8")
    func sessionSettings() async throws {
        try await TestDatabase.withPool { pool in
            let row = try #require(try await pool.query(
                "SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds, current_setting('client_encoding') AS enc"
            ).first)
            #expect(row["tz"] == "UTC")
            #expect(row["ds"]?.hasPrefix("ISO") == true)
            #expect(row["enc"] == "UTF8")
        }
    }

    @Test("date decoding keeps microseconds")
    func dates() async throws {
        try await TestDatabase.withPool { pool in
            let row = try #require(try await pool.query("""
                SELECT '2026-11-20 08:14:00.123456+00'::timestamptz AS t,
                       (extract(epoch FROM '2026-11-20 08:14:00.123456+00'::timestamptz) * 1000000)::bigint AS t_micros,
                       '2026-11-20 10:14:00.5+02'::timestamptz AS u,
                       '2026-11-20 08:14:00+00'::timestamptz AS v,
                       '1969-12-31 23:59:59.999999+00'::timestamptz AS w,
                       NULL::timestamptz AS n
                """).first)
            #expect(row["t"] == "2026-11-20 08:14:00.123456+00")
            let t = try row.date("t")
            #expect(microseconds(t) == (try row.int64("t_micros")))
            #expect(microseconds(t) % 1_000_000 == 123_456)
            #expect(microseconds(try row.date("u")) == 1_795_162_440_500_000)
            #expect(microseconds(try row.date("v")) == 1_795_162_440_000_000)
            #expect(microseconds(try row.date("w")) == -1)
            #expect(try row.optionalDate("n") == nil)

            // And back: a Date as a parameter keeps its microseconds.
            let back = try #require(try await pool.query(
                "SELECT $1::timestamptz AS t, (extract(epoch FROM $1::timestamptz) * 1000000)::bigint AS micros",
                [PostgresTimestamp.string(from: t)]
            ).first)
            #expect(back["t"] == "2026-11-20 08:14:00.123456+00")
            #expect(try back.int64("micros") == microseconds(t))
        }
    }
}

/// Microseconds since 1970, rounded.
func microseconds(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
}
