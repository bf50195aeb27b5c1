import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import RallyCore
import RallyServer
import RallyStorage
import RallyTestSupport
import Redis
import Testing

/// Where the real Redis is (each app's PostgreSQL database is a `TestDatabase`): read from the environment; a missing
/// variable fails the test, never skips it.
enum TestEnvironment {
    static func redisURL() throws -> String {
        try variable("RALLY_TEST_REDIS_URL", example: "redis://127.0.0.1:63799/15")
    }

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

/// Ids no other test uses, so that two programs of one app never meet.
enum TestIds {
    static func program() -> String { "p-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "") }
}

/// The Redis keys of one app's namespace, reached directly (the app never sees these calls).
enum RedisNamespace {
    /// Sends one command to the Redis the apps use.
    static func send(_ command: [String], redisURL: String) async throws -> RedisReply {
        let pool = try makeRedisClient(url: redisURL, maximumConnections: 1, logger: TestEnvironment.logger)
        let reply = await Result(catching: { try await pool.send(command) })
        await pool.shutdown()
        return try reply.get()
    }

    /// Deletes every key under `<namespace>/`; returns how many were deleted.
    @discardableResult
    static func delete(_ namespace: String, redisURL: String) async throws -> Int {
        let pool = try makeRedisClient(url: redisURL, maximumConnections: 1, logger: TestEnvironment.logger)
        let deleted = await Result(catching: { try await deleteKeys(matching: "\(namespace)/*", in: pool) })
        await pool.shutdown()
        return try deleted.get()
    }
}
