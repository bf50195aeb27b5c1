import Foundation
import Postgres
import Testing

@Suite("PostgresMigrator")
struct MigratorTests {
    /// A scratch schema, migrations table, lock key and directory of SQL files, removed afterwards.
    struct Scratch {
        let schema = TestDatabase.uniqueName("pgmig")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("pgmig"))
        let lockKey = Int64.random(in: 1_000_000 ... Int64.max)

        var table: String { "\(schema).schema_migrations" }

        func migrator() -> PostgresMigrator {
            PostgresMigrator(directory: directory, logger: TestDatabase.logger, tableName: table, lockKey: lockKey)
        }

        func write(_ name: String, _ sql: String) throws {
            try Data(sql.utf8).write(to: directory.appendingPathComponent(name))
        }

        /// 1, 2, 3 and 10: numeric order differs from name order ("10_…" sorts before "2_…" as text).
        func writeStandardFiles(slowFirst: Bool = false) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try write("1_initial.sql", (slowFirst ? "SELECT pg_sleep(0.3);\n" : "") + "CREATE TABLE \(schema).items (id int PRIMARY KEY, label text);\n")
            try write("2_seed.sql", "INSERT INTO \(schema).items VALUES (1, 'one');\nINSERT INTO \(schema).items VALUES (2, 'two');\n")
            try write("3_noop.sql", "SELECT 1;\n")
            try write("10_more.sql", "ALTER TABLE \(schema).items ADD COLUMN extra text;\n")
            try write("README.md", "not a migration")
        }

        static let standardNames = ["1_initial.sql", "2_seed.sql", "3_noop.sql", "10_more.sql"]

        func run<T>(_ body: (PostgresPool) async throws -> T) async throws -> T {
            try await TestDatabase.withPool { pool in
                try await pool.query("CREATE SCHEMA \(schema)")
                do {
                    let result = try await body(pool)
                    try await cleanUp(pool)
                    return result
                } catch {
                    try? await cleanUp(pool)
                    throw error
                }
            }
        }

        private func cleanUp(_ pool: PostgresPool) async throws {
            try? FileManager.default.removeItem(at: directory)
            try await pool.query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        }
    }

    @Test("applies files in numeric order, records checksums, and is idempotent")
    func appliesInOrder() async throws {
        let scratch = Scratch()
        try scratch.writeStandardFiles()
        try await scratch.run { pool in
            let migrator = scratch.migrator()
            let before = try await migrator.status(pool)
            #expect(before.applied.isEmpty)
            #expect(before.pending == Scratch.standardNames)
            #expect(try await pool.query("SELECT to_regclass($1) AS t", [scratch.table]).first?["t"] == nil)

            #expect(try await migrator.migrate(pool) == Scratch.standardNames)

            let recorded = try await pool.query("SELECT version, name, checksum, applied_at FROM \(scratch.table) ORDER BY applied_at, version")
            #expect(try recorded.map { try $0.int("version") } == [1, 2, 3, 10])
            #expect(recorded.map { $0["name"] } == Scratch.standardNames)
            #expect(recorded.first { $0["name"] == "3_noop.sql" }?["checksum"]
                == "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd")
            for row in recorded {
                let name = try row.string("name")
                let text = try String(contentsOf: scratch.directory.appendingPathComponent(name), encoding: .utf8)
                let expected = try await pool.query("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') AS c", [text])
                #expect(row["checksum"] == expected.first?["c"])
                #expect(row["checksum"]?.count == 64)
            }
            #expect(try await pool.query("SELECT id, extra FROM \(scratch.schema).items ORDER BY id").map { $0["id"] } == ["1", "2"])

            #expect(try await migrator.migrate(pool) == [])
            #expect(try await pool.query("SELECT count(*) AS n FROM \(scratch.schema).items").first?.int("n") == 2)
            let after = try await migrator.status(pool)
            #expect(after.applied == Scratch.standardNames)
            #expect(after.pending.isEmpty)

            try scratch.write("11_later.sql", "ALTER TABLE \(scratch.schema).items ADD COLUMN later int;\n")
            #expect(try await migrator.status(pool).pending == ["11_later.sql"])
            #expect(try await migrator.migrate(pool) == ["11_later.sql"])
        }
    }

    @Test("refuses a changed or missing applied file, and rolls back a failing one")
    func refusesChanges() async throws {
        let scratch = Scratch()
        try scratch.writeStandardFiles()
        try await scratch.run { pool in
            let migrator = scratch.migrator()
            try await migrator.migrate(pool)

            try scratch.write("2_seed.sql", "INSERT INTO \(scratch.schema).items VALUES (3, 'three');\n")
            try scratch.write("20_new.sql", "CREATE TABLE \(scratch.schema).never (id int);\n")
            let changed = await #expect(throws: PostgresMigrator.Failure.self) { try await migrator.migrate(pool) }
            #expect(changed?.message.contains("2_seed.sql") == true)
            #expect(changed?.message.contains("changed") == true)
            #expect(try await pool.query("SELECT to_regclass($1) AS t", ["\(scratch.schema).never"]).first?["t"] == nil)

            try FileManager.default.removeItem(at: scratch.directory.appendingPathComponent("2_seed.sql"))
            let missing = await #expect(throws: PostgresMigrator.Failure.self) { try await migrator.migrate(pool) }
            #expect(missing?.message.contains("missing") == true)

            // Restore the original file; a failing new file is rolled back and not recorded.
            try scratch.write("2_seed.sql", "INSERT INTO \(scratch.schema).items VALUES (1, 'one');\nINSERT INTO \(scratch.schema).items VALUES (2, 'two');\n")
            try FileManager.default.removeItem(at: scratch.directory.appendingPathComponent("20_new.sql"))
            try scratch.write("30_bad.sql", "CREATE TABLE \(scratch.schema).half (id int);\nSELECT no_such_function();\n")
            let failed = await #expect(throws: PostgresMigrator.Failure.self) { try await migrator.migrate(pool) }
            #expect(failed?.message.contains("30_bad.sql") == true)
            #expect(try await pool.query("SELECT to_regclass($1) AS t", ["\(scratch.schema).half"]).first?["t"] == nil)
            #expect(try await pool.query("SELECT count(*) AS n FROM \(scratch.table)").first?.int("n") == 4)
        }
    }

    @Test("two concurrent migrate() calls apply each file once")
    func concurrentMigrations() async throws {
        let scratch = Scratch()
        try scratch.writeStandardFiles(slowFirst: true)
        try await scratch.run { setupPool in
            try await TestDatabase.withPool(maximumConnections: 1) { first in
                try await TestDatabase.withPool(maximumConnections: 1) { second in
                    async let a = scratch.migrator().migrate(first)
                    async let b = scratch.migrator().migrate(second)
                    let (appliedByA, appliedByB) = try await (a, b)
                    #expect((appliedByA + appliedByB).sorted() == Scratch.standardNames.sorted())
                    #expect(appliedByA.isEmpty || appliedByB.isEmpty)
                }
            }
            let versions = try await setupPool.query("SELECT version FROM \(scratch.table) ORDER BY version")
            #expect(try versions.map { try $0.int("version") } == [1, 2, 3, 10])
            #expect(try await setupPool.query("SELECT count(*) AS n FROM \(scratch.schema).items").first?.int("n") == 2)
        }
    }

    @Test("a table name that is not a plain identifier is refused")
    func badTableName() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            let migrator = PostgresMigrator(
                directory: FileManager.default.temporaryDirectory, logger: TestDatabase.logger,
                tableName: "x; DROP TABLE y"
            )
            await #expect(throws: PostgresMigrator.Failure.self) { try await migrator.migrate(pool) }
        }
    }
}
