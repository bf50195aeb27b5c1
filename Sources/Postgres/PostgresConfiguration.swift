/// How a `PostgresPool` reaches the server and how many connections it may hold.
public struct PostgresConfiguration: Sendable {
    /// A `postgresql://` URL or a libpq conninfo string, handed to libpq as the `dbname` to expand.
    public var connectionString: String
    /// The most connections (and pool threads) the pool opens at once; values below 1 count as 1.
    public var maximumConnections: Int
    /// How long libpq may take to connect; whole seconds, at least 2 (libpq's floor). A `connect_timeout` in the connection string wins.
    public var connectTimeout: Duration
    /// The `statement_timeout` set on every connection right after connecting; `nil` keeps the server's setting.
    public var statementTimeout: Duration?
    /// The connections of the pool's pipeline (`PostgresPool.pipelined`), beside the pooled ones, opened on first use;
    /// values below 1 count as 1.
    public var pipelinedConnections: Int

    /// Creates a configuration; only the connection string is required.
    public init(
        connectionString: String,
        maximumConnections: Int = 8,
        connectTimeout: Duration = .seconds(5),
        statementTimeout: Duration? = .seconds(30),
        pipelinedConnections: Int = 2
    ) {
        self.connectionString = connectionString
        self.maximumConnections = maximumConnections
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
        self.pipelinedConnections = pipelinedConnections
    }
}

extension PostgresConfiguration {
    /// The pool size actually used (never below 1).
    var poolSize: Int { max(1, maximumConnections) }

    /// The pipeline's connections actually used (never below 1).
    var pipelinedSize: Int { max(1, pipelinedConnections) }

    /// `connect_timeout` in whole seconds, rounded up.
    var connectTimeoutSeconds: Int64 {
        let (seconds, attoseconds) = connectTimeout.components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }

    /// `statement_timeout` in whole milliseconds, rounded up; `nil` when not configured.
    var statementTimeoutMilliseconds: Int64? {
        guard let statementTimeout else { return nil }
        let (seconds, attoseconds) = statementTimeout.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let perMillisecond: Int64 = 1_000_000_000_000_000
        let rest = attoseconds / perMillisecond + (attoseconds % perMillisecond > 0 ? 1 : 0)
        return seconds * 1000 + rest
    }

    /// The statements run on every new connection before it is used.
    var sessionSetup: String {
        var statements = [
            "SET client_encoding = 'UTF8'",
            "SET TimeZone = 'UTC'",
            "SET DateStyle = 'ISO'",
        ]
        if let milliseconds = statementTimeoutMilliseconds {
            statements.append("SET statement_timeout = \(milliseconds)")
        }
        return statements.joined(separator: "; ")
    }
}
