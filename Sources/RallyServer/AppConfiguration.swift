import Logging
import RallyCore
import RallyLedger

/// Everything `rally serve` needs to know, read from the environment (flags may override).
public struct AppConfiguration: Sendable {
    public var databaseURL: String
    /// A streaming replica of the database that analytics read from while it is close enough behind (nil: none).
    public var databaseReplicaURL: String?
    /// How far behind the primary the replica may be for analytics to read from it.
    public var replicaMaximumLag: Duration = .seconds(10)
    public var redisURL: String
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Creates programs and may act on any of them; nil disables operator calls.
    public var operatorToken: String?
    public var logLevel: Logger.Level = .info
    public var migrationsDirectory: String = "Migrations"
    public var postgresConnections: Int = 8
    /// Connections of the pool that analytics and the metrics' gauges read through, apart from the writer's.
    public var analyticsConnections: Int = 2
    public var redisConnections: Int = 8
    /// Writer lanes committing side by side (members are spread over them).
    public var writerLanes: Int = 2
    /// Prefix of every Redis key Rally writes.
    public var redisNamespace: String = "rally"
    /// How many recent periods of each kind keep their boards in Redis.
    public var boardRetention: BoardRetention = .standard
    /// How often background work (retroactive badge awards, webhook deliveries) looks for something to do.
    public var backgroundInterval: Duration = .seconds(1)
    /// The wait after a webhook delivery's first failed attempt; it doubles with each failure, up to an hour.
    public var webhookFirstRetryDelay: Duration = .seconds(10)
    /// How often the per-program gauges of `/metrics` (participation, enrolment, eNPS) are computed from PostgreSQL.
    public var metricsRefreshInterval: Duration = .seconds(30)
    /// How often every program's default participation answers are prepared in the background (nil: never).
    public var analyticsPreparationInterval: Duration? = .seconds(300)
    /// Requests a second per key, by role.
    public var rateLimits: RateLimits = .standard
    /// How long a connection may send nothing (in the middle of a request or between two) before it is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// How long `/readyz` answers 503 `draining` on graceful shutdown before the server stops (a balancer's health checks
    /// take the instance out meanwhile, while it still serves what it is sent).
    public var drainDelay: Duration = .zero
    /// Whether webhooks may target loopback, private, link-local, multicast and unspecified addresses (tests and
    /// single-host set-ups); refused by default.
    public var webhookAllowPrivate = false
    /// Seals webhook secrets at rest; nil: the key kept in `dataDirectory` (made there if missing).
    public var secretKey: SecretKeyring.Key?
    /// Keys that sealed secrets before `secretKey` did: they still open them, until `rally rotate-secret-key` re-seals.
    public var previousSecretKeys: [SecretKeyring.Key] = []
    /// Ends each live page stream after this many boards (tests read a stream to its end); nil: streams last.
    public var pageStreamLimit: Int?
    /// Where Rally keeps what it makes for itself on a single host (the secret key when none is set).
    public var dataDirectory = ".local"

    public init(databaseURL: String, redisURL: String) {
        self.databaseURL = databaseURL
        self.redisURL = redisURL
    }

    /// Reads `RALLY_*` variables; the database URL is required (the Redis URL only to serve: see `requireRedis`).
    public init(environment: [String: String]) throws {
        guard let database = environment["RALLY_DATABASE_URL"], !database.isEmpty else {
            throw ConfigurationError("RALLY_DATABASE_URL is not set (a postgresql:// URL or a libpq conninfo string)")
        }
        self.init(databaseURL: database, redisURL: environment["RALLY_REDIS_URL"] ?? "")
        if let host = environment["RALLY_HTTP_HOST"], !host.isEmpty { self.host = host }
        if let port = environment["RALLY_HTTP_PORT"] {
            guard let value = Int(port), (0...65535).contains(value) else { throw ConfigurationError("RALLY_HTTP_PORT must be a port number, got '\(port)'") }
            self.port = value
        }
        if let token = environment["RALLY_OPERATOR_TOKEN"], !token.isEmpty { operatorToken = token }
        if let level = environment["RALLY_LOG_LEVEL"] {
            guard let value = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError("RALLY_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical; got '\(level)'")
            }
            logLevel = value
        }
        if let directory = environment["RALLY_MIGRATIONS_DIR"], !directory.isEmpty { migrationsDirectory = directory }
        if let size = environment["RALLY_POSTGRES_POOL_SIZE"] {
            guard let value = Int(size), value > 0 else { throw ConfigurationError("RALLY_POSTGRES_POOL_SIZE must be a positive number") }
            postgresConnections = value
        }
        if let size = environment["RALLY_ANALYTICS_POOL_SIZE"] {
            guard let value = Int(size), value > 0 else { throw ConfigurationError("RALLY_ANALYTICS_POOL_SIZE must be a positive number") }
            analyticsConnections = value
        }
        if let size = environment["RALLY_REDIS_POOL_SIZE"] {
            guard let value = Int(size), value > 0 else { throw ConfigurationError("RALLY_REDIS_POOL_SIZE must be a positive number") }
            redisConnections = value
        }
        if let lanes = environment["RALLY_WRITER_LANES"] {
            guard let value = Int(lanes), (1...64).contains(value) else { throw ConfigurationError("RALLY_WRITER_LANES must be a number from 1 to 64") }
            writerLanes = value
        }
        if let namespace = environment["RALLY_REDIS_NAMESPACE"], !namespace.isEmpty { redisNamespace = namespace }
        if let text = environment["RALLY_BOARD_RETENTION"], !text.isEmpty {
            guard let retention = BoardRetention(parsing: text) else {
                throw ConfigurationError("RALLY_BOARD_RETENTION must read like 'day=35,week=13,month=13,quarter=5,year=2' (counts 1-10000), got '\(text)'")
            }
            boardRetention = retention
        }
        if let text = environment["RALLY_RATE_LIMITS"], !text.isEmpty {
            guard let limits = RateLimits(parsing: text) else {
                throw ConfigurationError("RALLY_RATE_LIMITS must read like 'ingest=1000,read=200,admin=20' (requests a second per key, 0: none), got '\(text)'")
            }
            rateLimits = limits
        }
        if let value = try Self.number("RALLY_KEY_RATE_LIMIT_MAX", in: environment, 1...1_000_000, of: "requests a second") { rateLimits.keyMaximum = value }
        if let value = try Self.number("RALLY_IDLE_TIMEOUT_S", in: environment, 1...3600, of: "seconds") { idleTimeout = .seconds(value) }
        if let replica = environment["RALLY_DATABASE_REPLICA_URL"], !replica.isEmpty { databaseReplicaURL = replica }
        if let value = try Self.number("RALLY_DATABASE_REPLICA_MAX_LAG_S", in: environment, 0...3600, of: "seconds") { replicaMaximumLag = .seconds(value) }
        if let value = try Self.number("RALLY_DRAIN_SECONDS", in: environment, 0...300, of: "seconds") { drainDelay = .seconds(value) }
        if let value = try Self.number("RALLY_BACKGROUND_INTERVAL_MS", in: environment, 10...60_000, of: "milliseconds") { backgroundInterval = .milliseconds(value) }
        if let value = try Self.number("RALLY_WEBHOOK_RETRY_MS", in: environment, 10...3_600_000, of: "milliseconds") { webhookFirstRetryDelay = .milliseconds(value) }
        if let value = try Self.number("RALLY_METRICS_REFRESH_MS", in: environment, 100...3_600_000, of: "milliseconds") { metricsRefreshInterval = .milliseconds(value) }
        if let text = environment["RALLY_ANALYTICS_PREPARE_MS"] {
            guard let value = Int(text), value == 0 || (1000...86_400_000).contains(value) else {
                throw ConfigurationError("RALLY_ANALYTICS_PREPARE_MS must be 0 (never) or a number of milliseconds from 1000 to 86400000, got '\(text)'")
            }
            analyticsPreparationInterval = value == 0 ? nil : .milliseconds(value)
        }
        if let text = environment["RALLY_WEBHOOK_ALLOW_PRIVATE"], !text.isEmpty {
            guard let value = ["1": true, "true": true, "0": false, "false": false][text.lowercased()] else {
                throw ConfigurationError("RALLY_WEBHOOK_ALLOW_PRIVATE must be 1 (allow) or 0 (refuse, the default), got '\(text)'")
            }
            webhookAllowPrivate = value
        }
        if let text = environment["RALLY_SECRET_KEY"], !text.isEmpty {
            guard let key = SecretKeyring.Key(base64: text) else {
                throw ConfigurationError("RALLY_SECRET_KEY must be 32 bytes in base64 (openssl rand -base64 32)")
            }
            secretKey = key
        }
        if let text = environment["RALLY_PREVIOUS_SECRET_KEYS"], !text.isEmpty {
            previousSecretKeys = try text.split(separator: ",").map { part in
                guard let key = SecretKeyring.Key(base64: String(part)) else {
                    throw ConfigurationError("RALLY_PREVIOUS_SECRET_KEYS must be keys of 32 bytes in base64, separated by commas")
                }
                return key
            }
        }
        if let directory = environment["RALLY_DATA_DIR"], !directory.isEmpty { dataDirectory = directory }
    }
}

extension AppConfiguration {
    /// The whole number `name` holds, within `range` (nil when unset); what it counts names `unit` in the error.
    static func number(_ name: String, in environment: [String: String], _ range: ClosedRange<Int>, of unit: String) throws -> Int? {
        guard let text = environment[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(name) must be a number of \(unit) from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// Serving needs Redis; migrating does not.
    public func requireRedis() throws {
        guard !redisURL.isEmpty else { throw ConfigurationError("RALLY_REDIS_URL is not set (redis://host:port[/db], or redis+cluster://host:port[,host:port…])") }
    }
}

/// A configuration value that is missing or malformed.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
