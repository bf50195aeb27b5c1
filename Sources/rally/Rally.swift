import ArgumentParser
import Foundation
import Logging
import Metrics
import Postgres
import Prometheus
import RallyServer

@main
struct Rally: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rally",
        abstract: "Points, badges and leaderboards for employee-advocacy programs.",
        discussion: """
            Configuration comes from the environment: RALLY_DATABASE_URL, RALLY_REDIS_URL, RALLY_HTTP_HOST (127.0.0.1), \
            RALLY_HTTP_PORT (8080), RALLY_OPERATOR_TOKEN, RALLY_LOG_LEVEL (info), RALLY_MIGRATIONS_DIR (Migrations), \
            RALLY_POSTGRES_POOL_SIZE (8), RALLY_REDIS_POOL_SIZE (8), RALLY_WRITER_LANES (2), RALLY_REDIS_NAMESPACE (rally).
            """,
        subcommands: [Serve.self, Migrate.self])
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
        let app = try await buildApplication(configuration, registry: registry, logger: logger)
        try await app.runService()
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
