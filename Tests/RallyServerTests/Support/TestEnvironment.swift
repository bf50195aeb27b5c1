import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import RallyCore
import RallyServer
import Redis
import Testing

/// Where the real PostgreSQL and Redis are: read from the environment; a missing variable fails the test, never skips it.
enum TestEnvironment {
    static func databaseURL() throws -> String {
        try variable("RALLY_TEST_DATABASE_URL", example: "postgresql://rally@127.0.0.1:54329/rally_test")
    }

    static func redisURL() throws -> String {
        try variable("RALLY_TEST_REDIS_URL", example: "redis://127.0.0.1:63799/15")
    }

    /// The repository's `Migrations/` folder, found from this file's place in `Tests/RallyServerTests/Support/`.
    static let migrationsDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Migrations").path

    /// Quiet unless `RALLY_TEST_LOG_LEVEL` asks for more (e.g. `debug`).
    static let logger: Logger = {
        var logger = Logger(label: "rally-server-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["RALLY_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .error
        return logger
    }()

    private static func variable(_ name: String, example: String) throws -> String {
        let value = ProcessInfo.processInfo.environment[name]
        return try #require(
            value.flatMap { $0.isEmpty ? nil : $0 },
            "\(name) is not set: start the local services (bash ops/services start) and export it, e.g. \(name)=\(example)")
    }
}

/// Ids no other test uses, so suites run in parallel on the shared database.
enum TestIds {
    static func program() -> String { "p-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "") }
}

/// The Redis keys of one app's namespace, reached directly (the app never sees these calls).
enum RedisNamespace {
    /// Sends one command to the Redis the apps use.
    static func send(_ command: [String], redisURL: String) async throws -> RedisReply {
        let pool = RedisPool(configuration: try RedisConfiguration(url: redisURL, maximumConnections: 1), logger: TestEnvironment.logger)
        do {
            let reply = try await pool.send(command)
            await pool.shutdown()
            return reply
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// Deletes every key under `<namespace>/`; returns how many were deleted.
    @discardableResult
    static func delete(_ namespace: String, redisURL: String) async throws -> Int {
        let pool = RedisPool(configuration: try RedisConfiguration(url: redisURL, maximumConnections: 1), logger: TestEnvironment.logger)
        do {
            var cursor = "0"
            var deleted = 0
            repeat {
                let reply = try await pool.send(["SCAN", cursor, "MATCH", "\(namespace)/*", "COUNT", "1000"])
                let parts = reply.array ?? []
                cursor = parts.first?.string ?? "0"
                let keys = parts.count > 1 ? (parts[1].array ?? []).compactMap(\.string) : []
                if !keys.isEmpty { deleted += try await pool.send(["DEL"] + keys).int ?? 0 }
            } while cursor != "0"
            await pool.shutdown()
            return deleted
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
