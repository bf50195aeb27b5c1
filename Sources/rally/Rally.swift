import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Postgres
import Prometheus
import RallyLeaderboards
import RallyLedger
import RallyServer
import RallyStorage
import Redis
import ServiceLifecycle

@main
struct Rally: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rally",
        abstract: "Points, badges and leaderboards for employee-advocacy programs.",
        discussion: """
            Configuration comes from the environment: RALLY_DATABASE_URL, RALLY_REDIS_URL (redis://host:port[/db], or \
            redis+cluster://host:port[,host:port…] for a Redis Cluster), RALLY_DATABASE_REPLICA_URL (a streaming replica \
            analytics read from), RALLY_DATABASE_REPLICA_MAX_LAG_S (10: past this lag analytics read from the primary), \
            RALLY_HTTP_HOST (127.0.0.1), \
            RALLY_HTTP_PORT (8080), RALLY_OPERATOR_TOKEN, RALLY_LOG_LEVEL (info), RALLY_MIGRATIONS_DIR (Migrations), \
            RALLY_POSTGRES_POOL_SIZE (8), RALLY_ANALYTICS_POOL_SIZE (2), RALLY_REDIS_POOL_SIZE (8), RALLY_WRITER_LANES (2), \
            RALLY_REDIS_NAMESPACE (rally), RALLY_BACKGROUND_INTERVAL_MS (1000), RALLY_WEBHOOK_RETRY_MS (10000), \
            RALLY_METRICS_REFRESH_MS (30000: how often the per-program gauges of /metrics are computed), \
            RALLY_ANALYTICS_PREPARE_MS (300000: how often each program's default analytics answers are prepared; 0: never), \
            RALLY_RATE_LIMITS (ingest=1000,read=200,admin=20: requests a second per key, by role; 0: no limit), \
            RALLY_IDLE_TIMEOUT_S (30: a connection that sends nothing this long is closed), \
            RALLY_DRAIN_SECONDS (0: on SIGTERM, how long /readyz answers 503 draining before the server stops), \
            RALLY_KEY_RATE_LIMIT_MAX (100000: the most a key's own rateLimit may be), \
            RALLY_BOARD_RETENTION (day=35,week=13,month=13,quarter=5,year=2: the recent periods whose boards Redis keeps), \
            RALLY_WEBHOOK_ALLOW_PRIVATE (0: webhooks may not target loopback, private, link-local, multicast or unspecified \
            addresses; 1 allows them), RALLY_SECRET_KEY (32 bytes in base64: seals webhook secrets at rest; unset, a key is \
            made and kept in RALLY_DATA_DIR/secret-key), RALLY_PREVIOUS_SECRET_KEYS (keys that sealed secrets before, comma \
            separated: see rotate-secret-key), RALLY_DATA_DIR (.local), RALLY_TASKS_ON_EVENT_LOOPS (1: requests run on the \
            threads that carry their connections; 0: on Swift's own pool, a thread switch for each Redis or HTTP exchange).
            """,
        subcommands: [Serve.self, Migrate.self, RebuildLeaderboards.self, CheckLeaderboards.self, RotateSecretKey.self])

    /// Runs Swift concurrency's tasks on SwiftNIO's event loops (the ones HTTP and Redis connections live on), so that
    /// a request's task writes its Redis commands and reads their replies on its own thread, unless
    /// RALLY_TASKS_ON_EVENT_LOOPS is 0; then parses and runs the command. Must happen first, on the main thread, before
    /// any task is enqueued.
    static func main() async {
        if ProcessInfo.processInfo.environment["RALLY_TASKS_ON_EVENT_LOOPS"] != "0" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Directory of numbered .sql migrations (overrides RALLY_MIGRATIONS_DIR).")
    var migrations: String?

    func configuration() throws -> AppConfiguration {
        var configuration = try AppConfiguration(environment: ProcessInfo.processInfo.environment)
        if let migrations { configuration.migrationsDirectory = migrations }
        return configuration
    }

    func logger(_ configuration: AppConfiguration) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        return Logger(label: "rally")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP service (applies pending migrations first; stops gracefully on SIGTERM or SIGINT).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (overrides RALLY_HTTP_HOST).")
    var host: String?

    @Option(help: "Port to listen on (overrides RALLY_HTTP_PORT).")
    var port: Int?

    func run() async throws {
        var configuration = try common.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        let logger = common.logger(configuration)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        if configuration.operatorToken == nil {
            logger.warning("RALLY_OPERATOR_TOKEN is not set: programs cannot be created")
        }
        let (app, drain) = try await buildApplication(configuration, registry: registry, logger: logger)
        // The drain goes last: on SIGTERM or SIGINT it is shut down first, before the server stops listening.
        try await ServiceGroup(configuration: .init(services: [app, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations from the migrations directory, in order.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Only list applied and pending migrations.")
    var status = false

    func run() async throws {
        let configuration = try common.configuration()
        let logger = common.logger(configuration)
        let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: configuration.databaseURL, maximumConnections: 1),
                                logger: logger)
        let migrator = PostgresMigrator(directory: URL(fileURLWithPath: configuration.migrationsDirectory), logger: logger)
        do {
            if status {
                let (applied, pending) = try await migrator.status(pool)
                for name in applied { print("applied  \(name)") }
                for name in pending { print("pending  \(name)") }
            } else {
                let applied = try await migrator.migrate(pool)
                print(applied.isEmpty ? "Up to date." : "Applied: \(applied.joined(separator: ", "))")
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }
}

/// The tools over the Redis projection, with pools of their own for one command.
func withMaintenance(_ common: CommonOptions, _ body: (LeaderboardMaintenance) async throws -> Void) async throws {
    let configuration = try common.configuration()
    try configuration.requireRedis()
    let logger = common.logger(configuration)
    let postgres = PostgresPool(configuration: PostgresConfiguration(connectionString: configuration.databaseURL, maximumConnections: 2),
                                logger: logger)
    let redis = try makeRedisClient(url: configuration.redisURL, maximumConnections: 2, logger: logger)
    do {
        try await body(LeaderboardMaintenance(postgres: postgres, redis: redis, namespace: configuration.redisNamespace,
                                                retention: configuration.boardRetention, logger: logger))
    } catch {
        await postgres.shutdown()
        await redis.shutdown()
        throw error
    }
    await postgres.shutdown()
    await redis.shutdown()
}

/// The programs a maintenance command works on: the one named, or all.
func programs(_ named: String?, in maintenance: LeaderboardMaintenance) async throws -> [String] {
    let all = try await maintenance.programs()
    guard let named else { return all }
    guard all.contains(named) else { throw ValidationError("no program '\(named)'") }
    return [named]
}

struct RebuildLeaderboards: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild-leaderboards",
        abstract: "Recompute every board (or one program's) from PostgreSQL and swap it into Redis at once.",
        discussion: """
            Safe while rally serve runs: readers see the old boards or the new ones, never a half-built one, and members \
            who change meanwhile are resynchronised after the swap. Without --program, every program is rebuilt and the \
            projection marked complete.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Only this program.")
    var program: String?

    func run() async throws {
        try await withMaintenance(common) { maintenance in
            for id in try await programs(program, in: maintenance) {
                let standings = try await maintenance.rebuild(program: id)
                print("\(id): \(standings) standings rebuilt")
            }
            if program == nil { try await maintenance.markReady() }
        }
    }
}

struct CheckLeaderboards: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-leaderboards",
        abstract: "Compare every board in Redis (or one program's) with PostgreSQL; exit status 1 when they differ.",
        discussion: """
            Each difference is printed as: program, board (scope and period), member, the points PostgreSQL holds and \
            those on the board. A difference must show in two reads a second apart, so a commit in flight is not one. \
            With --repair, the members concerned are resynchronised from PostgreSQL (the program is rebuilt if that is \
            not enough); the exit status still says a difference was found.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Only this program.")
    var program: String?

    @Flag(help: "Repair what differs.")
    var repair = false

    func run() async throws {
        var found = 0
        try await withMaintenance(common) { maintenance in
            for id in try await programs(program, in: maintenance) {
                let differences = try await maintenance.check(program: id)
                differences.forEach { print($0) }
                found += differences.count
                if repair, !differences.isEmpty {
                    let left = try await maintenance.repair(program: id, differences)
                    if !left.isEmpty { try await maintenance.rebuild(program: id) }
                    print("\(id): repaired")
                }
            }
        }
        print(found == 0 ? "No difference: Redis matches PostgreSQL." : "\(found) difference(s) found\(repair ? " and repaired" : "").")
        if found > 0 { throw ExitCode(1) }
    }
}

struct RotateSecretKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-secret-key",
        abstract: "Re-seal every webhook secret under RALLY_SECRET_KEY; exit status 1 when some cannot be opened.",
        discussion: """
            To rotate the key: make a new one (--new-key prints one); restart every instance with RALLY_SECRET_KEY set to \
            it and RALLY_PREVIOUS_SECRET_KEYS to the old one (they open secrets sealed under either, and seal new ones \
            under the new key); run this command, which re-seals under the new key every secret sealed under another, in \
            one transaction; then drop RALLY_PREVIOUS_SECRET_KEYS. Secrets still stored plain are sealed too. Safe while \
            rally serve runs.
            """)

    @OptionGroup var common: CommonOptions

    @Flag(help: "Only print a new random key (32 bytes in base64).")
    var newKey = false

    func run() async throws {
        if newKey {
            print(SecretKeyring.Key.newBase64())
            return
        }
        let configuration = try common.configuration()
        let logger = common.logger(configuration)
        let secrets = try configuration.secretKeyring(logger: logger)
        let postgres = PostgresPool(configuration: PostgresConfiguration(connectionString: configuration.databaseURL, maximumConnections: 1),
                                    logger: logger)
        let outcome = await Result(catching: { try await WebhookStore(postgres: postgres, secrets: secrets).sealStoredSecrets(rotating: true) })
        await postgres.shutdown()
        let sealing = try outcome.get()
        print("\(sealing.sealed) webhook secret(s) re-sealed under key \(secrets.current.id).")
        for (keyId, count) in sealing.unopened.sorted(by: { $0.key < $1.key }) {
            print("\(count) webhook secret(s) left sealed under key \(keyId), which neither RALLY_SECRET_KEY nor RALLY_PREVIOUS_SECRET_KEYS holds.")
        }
        if !sealing.unopened.isEmpty { throw ExitCode(1) }
    }
}
