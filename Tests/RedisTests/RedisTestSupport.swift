import Logging
import Redis
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin

#endif

/// Shared helpers: the test server from RALLY_TEST_REDIS_URL, unique key prefixes, pools that always shut down.
enum TestRedis {
    /// The configuration from RALLY_TEST_REDIS_URL; records a failure (never a skip) when it is unset.
    static func configuration(maximumConnections: Int = 4) throws -> RedisConfiguration {
        let url = getenv("RALLY_TEST_REDIS_URL").map { String(cString: $0) }
        let value = try #require(
            url.flatMap { $0.isEmpty ? nil : $0 },
            "RALLY_TEST_REDIS_URL is not set: run `bash ops/services start` and `eval \"$(bash ops/services env)\"` (e.g. redis://127.0.0.1:63799/15)"
        )
        return try RedisConfiguration(url: value, maximumConnections: maximumConnections)
    }

    /// A key prefix no other test or suite uses, e.g. `redistest:3f9a…:`.
    static func uniquePrefix() -> String {
        "redistest:\(String(UInt64.random(in: .min ... .max), radix: 16)):"
    }

    /// A quiet logger for pools under test.
    static let logger = Logger(label: "redis-tests")

    /// Runs `body` with a pool for `configuration`, then shuts the pool down whether `body` threw or not.
    static func withPool<T>(
        _ configuration: RedisConfiguration,
        _ body: (RedisPool) async throws -> T
    ) async throws -> T {
        try await with(RedisPool(configuration: configuration, logger: logger), body)
    }

    /// Runs `body` with `client`, then shuts it down whether `body` threw or not.
    static func with<Client: RedisClient, T>(_ client: Client, _ body: (Client) async throws -> T) async throws -> T {
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
