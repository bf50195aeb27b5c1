/// Where the server is and how the pool talks to it.
public struct RedisConfiguration: Sendable {
    /// Host name or IP address of the server.
    public var host: String
    /// TCP port of the server.
    public var port: Int
    /// Database index selected on every new connection (`SELECT` is sent when it is not 0).
    public var database: Int
    /// Most connections open at once.
    public var maximumConnections: Int
    /// Longest wait for a TCP connection to be established.
    public var connectTimeout: Duration
    /// Longest wait for the replies to a command or a pipeline; past it the connection is closed and replaced.
    public var commandTimeout: Duration

    /// Creates a configuration from its parts.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        database: Int = 0,
        maximumConnections: Int = 8,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.maximumConnections = maximumConnections
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses redis://host:port[/db] (host may be omitted → 127.0.0.1, port → 6379, db → 0); throws RedisError(.invalidURL) otherwise.
    public init(url: String, maximumConnections: Int = 8) throws {
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else {
            throw RedisError(.invalidURL, "expected redis://host:port[/db], got '\(url)'")
        }
        let rest = url.dropFirst(scheme.count)
        let authority: Substring
        let path: Substring?
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        } else {
            authority = rest
            path = nil
        }
        let (host, port) = try Self.parseAuthority(authority, url: url)
        let database = try Self.parseDatabase(path, url: url)
        self.init(host: host, port: port, database: database, maximumConnections: maximumConnections)
    }

    /// Splits `host[:port]` or `[ipv6][:port]`, applying the defaults.
    private static func parseAuthority(_ authority: Substring, url: String) throws -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw RedisError(.invalidURL, "unterminated IPv6 address in '\(url)'")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw RedisError(.invalidURL, "unexpected text after IPv6 address in '\(url)'")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        let bracketed = authority.hasPrefix("[")
        if host.contains(where: { $0 == "@" || $0 == "?" || $0 == "#" || $0 == "[" || $0 == "]" || $0.isWhitespace || ($0 == ":" && !bracketed) }) {
            throw RedisError(.invalidURL, "invalid host '\(host)' in '\(url)'")
        }
        if host.isEmpty { host = "127.0.0.1" }
        var port = 6379
        if let portText {
            guard let value = decimal(portText), (1...65_535).contains(value) else {
                throw RedisError(.invalidURL, "invalid port '\(portText)' in '\(url)'")
            }
            port = value
        }
        return (String(host), port)
    }

    /// Parses the optional `/db` path: empty means 0.
    private static func parseDatabase(_ path: Substring?, url: String) throws -> Int {
        guard let path, !path.isEmpty else { return 0 }
        guard let value = decimal(path) else {
            throw RedisError(.invalidURL, "invalid database '\(path)' in '\(url)'")
        }
        return value
    }

    /// A non-negative decimal made only of ASCII digits (no sign, no spaces), or nil.
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }
}
