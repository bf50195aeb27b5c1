import Foundation
import Logging
import Postgres
import RallyStorage
import Testing

/// A PostgreSQL database that belongs to one test: cloned from a template migrated once per test run, dropped
/// afterwards. A test app starting on it reconciles, awards and delivers for its own programs only, so its assertions
/// can be exact and its start-up does not grow with the rest of the suite. (`CREATE DATABASE … TEMPLATE` takes about
/// a tenth of a second here, a drop as much.)
package struct TestDatabase: Sendable {
    /// The connection string of this database.
    package let url: String

    /// Runs `body` on a database of its own, dropped afterwards whatever `body` did.
    package static func withFresh<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let database = try await clone()
        let outcome = await Result(catching: { try await body(database) })
        try? await database.drop()
        return try outcome.get()
    }

    /// A new database cloned from the migrated template.
    package static func clone() async throws -> TestDatabase {
        let template = try await Template.shared.value
        let name = template.name + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await Template.copies.run { try await template.onServer { try await $0.query("CREATE DATABASE \(name) TEMPLATE \(template.name)") } }
        return TestDatabase(url: try Template.url(template.serverURL, database: name))
    }

    /// Drops this database, closing what is still connected to it.
    package func drop() async throws {
        let template = try await Template.shared.value
        let name = try Template.name(of: url)
        try await Template.copies.run { try await template.onServer { try await $0.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } }
    }

    /// Runs `body` with a pool of `connections` connections to this database, shut down afterwards.
    package func withPool<T>(connections: Int = 1, _ body: (PostgresPool) async throws -> T) async throws -> T {
        let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: url, maximumConnections: connections),
                                logger: TestDatabase.logger)
        let outcome = await Result(catching: { try await body(pool) })
        await pool.shutdown()
        return try outcome.get()
    }

    /// The repository's `Migrations/` folder, found from this file's place in `Tests/RallyTestSupport/`.
    package static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Migrations")

    static let logger: Logger = {
        var logger = Logger(label: "rally-test-database")
        logger.logLevel = .error
        return logger
    }()

    /// The database every clone copies: `<RALLY_TEST_DATABASE_URL's database>_template`, made anew and migrated by the
    /// first test of a run, which also drops the clones an interrupted run left behind.
    private struct Template: Sendable {
        let serverURL: String
        let name: String

        static let shared = Task { try await Template.make() }
        /// Two copies or drops at a time: the whole suite starting at once would otherwise write a copy of the template per
        /// test into the WAL together, and connections time out.
        static let copies = Turns(limit: 2)

        static func make() async throws -> Template {
            let serverURL = try #require(ProcessInfo.processInfo.environment["RALLY_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 },
                                         "RALLY_TEST_DATABASE_URL is not set: run the tests with ops/test")
            let template = Template(serverURL: serverURL, name: try name(of: serverURL) + "_template")
            try await template.onServer { pool in
                let stale = try await pool.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [template.name + "%"])
                for row in stale { _ = try await pool.query("DROP DATABASE IF EXISTS \(try row.string("datname")) WITH (FORCE)") }
                _ = try await pool.query("CREATE DATABASE \(template.name)")
            }
            let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: try url(serverURL, database: template.name),
                                                                         maximumConnections: 1), logger: logger)
            let migrated = await Result(catching: { try await PostgresMigrator(directory: migrationsDirectory, logger: logger).migrate(pool) })
            // A template copies only while nothing is connected to it.
            await pool.shutdown()
            _ = try migrated.get()
            return template
        }

        /// Runs `body` on a connection to the server's own test database (where `CREATE DATABASE` is sent from).
        func onServer<T>(_ body: (PostgresPool) async throws -> T) async throws {
            let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: serverURL, maximumConnections: 1), logger: logger)
            let outcome = await Result(catching: { try await body(pool) })
            await pool.shutdown()
            _ = try outcome.get()
        }

        /// The database a connection string names (only letters, digits and `_`: it is written into statements).
        static func name(of url: String) throws -> String {
            let name = try #require(URLComponents(string: url)?.path.dropFirst().description, "cannot read a database name in \(url)")
            try #require(!name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" },
                         "the test database's name must be letters, digits and _ (not \(name))")
            return name
        }

        /// `url` with its database replaced by `database`.
        static func url(_ url: String, database: String) throws -> String {
            var components = try #require(URLComponents(string: url))
            components.path = "/" + database
            return try #require(components.string)
        }
    }
}

/// At most `limit` bodies running at once; the others wait their turn in order.
package actor Turns {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    package init(limit: Int) { self.limit = limit }

    package func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if running < limit {
            running += 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
