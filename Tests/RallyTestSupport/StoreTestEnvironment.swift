import Foundation
import Logging
import Metrics
import Postgres
import RallyCore
import RallyLeaderboards
import RallyLedger
import RallyStorage
import Redis
import Testing

/// The stores on the real PostgreSQL and Redis (RALLY_TEST_DATABASE_URL, RALLY_TEST_REDIS_URL: a missing one fails the
/// test, never skips it), with a writer running in the background, a database and a Redis namespace of their own.
package struct StoreTestEnvironment {
    package let postgres: PostgresPool
    package let redis: any RedisClient
    package let programs: ProgramStore
    package let members: MemberStore
    package let writer: EventWriter
    package let leaderboards: Leaderboards

    package static let logger: Logger = {
        var logger = Logger(label: "rally-store-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Runs `body` with the stores and a writer of `lanes` lanes, which checks the projection every
    /// `projectionCheckInterval` (a test that steps the checks itself sets an hour); stops the writer and closes the pools
    /// afterwards. The Redis is the tests' shared one (`RALLY_TEST_REDIS_URL`) unless the test gives its own.
    package static func run<T>(lanes: Int, redisURL: String? = nil, redisCommandTimeout: Duration = .seconds(2),
                               projectionCheckInterval: Duration = .seconds(2),
                               _ body: (StoreTestEnvironment) async throws -> T) async throws -> T {
        let redisURL = try redisURL ?? sharedRedisURL()
        let database = try await TestDatabase.clone()
        let postgres = PostgresPool(configuration: PostgresConfiguration(connectionString: database.url, maximumConnections: 6), logger: logger)
        let redis: any RedisClient
        if redisURL.hasPrefix("redis+cluster://") {
            redis = RedisCluster(seeds: try RedisCluster.seeds(url: redisURL),
                                 node: RedisConfiguration(maximumConnections: 2, commandTimeout: redisCommandTimeout), logger: logger)
        } else {
            var redisConfiguration = try RedisConfiguration(url: redisURL, maximumConnections: 2)
            redisConfiguration.commandTimeout = redisCommandTimeout
            redis = RedisPool(configuration: redisConfiguration, logger: logger)
        }
        let namespace = "store-test-\(UUID().uuidString.lowercased())"
        let leaderboards = Leaderboards(redis: redis, postgres: postgres, keys: LeaderboardKeys(namespace: namespace))
        let writer = EventWriter(postgres: postgres, leaderboards: leaderboards, logger: logger, metrics: NOOPMetricsHandler.instance,
                                 lanes: lanes, projectionCheckInterval: projectionCheckInterval)
        let keys = KeyStore(postgres: postgres)
        let stores = StoreTestEnvironment(postgres: postgres, redis: redis, programs: ProgramStore(postgres: postgres, keys: keys),
                                          members: MemberStore(postgres: postgres, writer: writer, leaderboards: leaderboards), writer: writer,
                                          leaderboards: leaderboards)
        let running = Task { try await writer.run() }
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(stores))
        } catch {
            outcome = .failure(error)
        }
        running.cancel()
        _ = await running.result
        _ = try? await deleteKeys(matching: namespace + "/*", in: redis)
        await postgres.shutdown()
        await redis.shutdown()
        try? await database.drop()
        return try outcome.get()
    }

    /// The Redis the tests share (a missing variable fails the test, never skips it).
    package static func sharedRedisURL() throws -> String {
        try #require(ProcessInfo.processInfo.environment["RALLY_TEST_REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 },
                     "RALLY_TEST_REDIS_URL is not set: run the tests with ops/test")
    }

    /// A new program with public members `memberIds`.
    package func program(members memberIds: [String]) async throws -> ProgramContext {
        let id = "st-" + UUID().uuidString.lowercased().prefix(12)
        let (program, _) = try await programs.create(id: id, name: "Store test", timeZone: "Europe/Paris")
        _ = try await members.upsert(program: id, memberIds.map { ($0, MemberProfile(
            displayName: $0, team: nil, region: nil, enrolled: true, audience: [:], visibility: .public)) })
        return program
    }

    /// `column` of the program's rows in `table` that match `filter`, ordered by `order` (by the column itself by default).
    package func column(_ column: String, of table: String, program: String, where filter: String = "true",
                orderedBy order: String? = nil) async throws -> [String] {
        try await postgres.query("SELECT \(column)::text AS v FROM \(table) WHERE program_id = $1 AND \(filter) ORDER BY \(order ?? column)",
                                 [program])
            .map { try $0.string("v") }
    }
}
