import Foundation
import Logging
import Postgres
import Synchronization
import Testing

/// The shared test database, from RALLY_TEST_DATABASE_URL (required: tests fail, never skip, without it).
enum TestDatabase {
    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["RALLY_TEST_DATABASE_URL"], !url.isEmpty else {
            throw SetupError(description: """
                RALLY_TEST_DATABASE_URL is not set. The Postgres tests need a PostgreSQL database: \
                run `bash ops/services start`, then \
                `RALLY_TEST_DATABASE_URL=postgresql://rally@127.0.0.1:54329/rally_test swift test`.
                """)
        }
        return url
    }

    static let logger: Logger = {
        var logger = Logger(label: "PostgresTests")
        logger.logLevel = .warning
        return logger
    }()

    static func makePool(maximumConnections: Int = 2, statementTimeout: Duration? = .seconds(30), pipelinedConnections: Int = 2) throws -> PostgresPool {
        let configuration = PostgresConfiguration(
            connectionString: try url(),
            maximumConnections: maximumConnections,
            statementTimeout: statementTimeout,
            pipelinedConnections: pipelinedConnections
        )
        return PostgresPool(configuration: configuration, logger: logger)
    }

    /// Runs `body` with a fresh pool and always shuts the pool down.
    static func withPool<T>(
        maximumConnections: Int = 2,
        statementTimeout: Duration? = .seconds(30),
        pipelinedConnections: Int = 2,
        _ body: (PostgresPool) async throws -> T
    ) async throws -> T {
        let pool = try makePool(maximumConnections: maximumConnections, statementTimeout: statementTimeout, pipelinedConnections: pipelinedConnections)
        do {
            let result = try await body(pool)
            await pool.shutdown()
            return result
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// A name no concurrent test run will use, e.g. "pgtest_3f9a0c12".
    static func uniqueName(_ prefix: String = "pgtest") -> String {
        "\(prefix)_\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }

    /// Creates a table with a unique name, runs `body`, and drops the table.
    static func withTable<T>(
        _ pool: PostgresPool, columns: String, _ body: (String) async throws -> T
    ) async throws -> T {
        let table = uniqueName()
        try await pool.query("CREATE TABLE \(table) (\(columns))")
        do {
            let result = try await body(table)
            try await pool.query("DROP TABLE IF EXISTS \(table)")
            return result
        } catch {
            _ = try? await pool.query("DROP TABLE IF EXISTS \(table)")
            throw error
        }
    }
}

/// A thread-safe counter of current and peak concurrency.
final class ConcurrencyGauge: Sendable {
    private let state = Mutex((current: 0, peak: 0))

    func enter() {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
        }
    }

    func leave() {
        state.withLock { $0.current -= 1 }
    }

    var peak: Int { state.withLock { $0.peak } }
}

struct Marker: Error {}
