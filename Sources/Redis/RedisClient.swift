import Logging
import ServiceLifecycle

/// What a Redis user asks of its server, one (`RedisPool`) or a cluster of them (`RedisCluster`): commands and pipelines
/// routed where their keys live, and what must reach every server (scripts, scans, their run ids).
public protocol RedisClient: Service, Sendable {
    /// One command; an error reply throws RedisError(.reply).
    @discardableResult
    func send(_ command: [String]) async throws -> RedisReply
    /// Many commands, one round trip per server they go to; replies in order, error replies as `.error` elements.
    func pipeline(_ commands: [[String]]) async throws -> [RedisReply]
    /// A command that acts on one server only (`SCRIPT LOAD`, `INFO`), sent to every server; one reply each, with the
    /// server's address (`host:port`).
    func onEveryServer(_ command: [String]) async throws -> [(server: String, reply: RedisReply)]
    /// The address (`host:port`) of the server that holds `key` now.
    func server(of key: String) async throws -> String
    /// Hands every key matching `pattern` on every server to `body`, a `SCAN` batch (about `count`) at a time.
    func scan(matching pattern: String, count: Int, _ body: ([String]) async throws -> Void) async throws
    /// Deletes keys (in the background, `UNLINK`), grouped as the servers need; returns how many existed.
    @discardableResult
    func unlink(_ keys: [String]) async throws -> Int
    /// The connections' use, for metrics.
    var statistics: RedisPoolStatistics { get }
    /// Closes the connections; later calls fail.
    func shutdown() async
}

/// A client for `url`: `redis://host:port[/db]` (one server) or `redis+cluster://host:port[,host:port…]` (a cluster, from
/// its seeds); `maximumConnections` per server.
public func makeRedisClient(url: String, maximumConnections: Int, logger: Logger) throws -> any RedisClient {
    if url.hasPrefix("redis+cluster://") {
        return RedisCluster(seeds: try RedisCluster.seeds(url: url), node: RedisConfiguration(maximumConnections: maximumConnections), logger: logger)
    }
    return RedisPool(configuration: try RedisConfiguration(url: url, maximumConnections: maximumConnections), logger: logger)
}

extension RedisPool: RedisClient {
    public func onEveryServer(_ command: [String]) async throws -> [(server: String, reply: RedisReply)] {
        [(address, try await send(command))]
    }

    public func server(of key: String) async throws -> String { address }

    /// This server's `host:port`.
    var address: String { "\(configuration.host):\(configuration.port)" }

    public func scan(matching pattern: String, count: Int, _ body: ([String]) async throws -> Void) async throws {
        try await scanNode(self, matching: pattern, count: count, body)
    }

    @discardableResult
    public func unlink(_ keys: [String]) async throws -> Int {
        keys.isEmpty ? 0 : try await send(["UNLINK"] + keys).int ?? 0
    }
}

/// `SCAN` over one server to its end.
func scanNode(_ pool: RedisPool, matching pattern: String, count: Int, _ body: ([String]) async throws -> Void) async throws {
    var cursor = "0"
    repeat {
        let parts = try await pool.send(["SCAN", cursor, "MATCH", pattern, "COUNT", String(count)]).array ?? []
        cursor = parts.first?.string ?? "0"
        try await body(parts.count > 1 ? (parts[1].array ?? []).compactMap(\.string) : [])
    } while cursor != "0"
}
