import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A client of a Redis Cluster: a `RedisPool` per master, each command routed by its key's slot (`RedisSlot`) along
/// the map `CLUSTER SLOTS` gives, a pipeline cut into one pipeline per node sent at once and its replies put back in
/// order. A node's `MOVED` moves its slot in the map and has the map read again (one read at a time, whoever asks);
/// `ASK` sends the command once to the node named, after `ASKING`; `TRYAGAIN` and `CLUSTERDOWN` send it again a little
/// later; each command is redirected `maximumRedirections` times at most. A node that cannot be reached fails the call
/// (as a single server's pool does) and has the map read again, so that the next call finds a promoted replica.
public final class RedisCluster: RedisClient {
    /// The nodes asked for the map first, and the settings of every node's pool (its host and port aside).
    public let seeds: [RedisNodeAddress]
    private let nodeConfiguration: RedisConfiguration
    private let eventLoops: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())
    private let followed = Atomic<Int>(0)

    /// How many redirections (`MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`) the client has followed, for metrics.
    public var redirectionsFollowed: Int { followed.load(ordering: .relaxed) }

    /// How many times one command follows a redirection before its last reply is returned as it is.
    public static let maximumRedirections = 5

    private struct State {
        var map: RedisSlotMap?
        var reading: Task<RedisSlotMap, any Error>?
        var pools: [RedisNodeAddress: RedisPool] = [:]
        var closed = false
    }

    /// Creates the client; it reads the map and connects on first use. `node` gives every node's pool its limits and
    /// time-outs (its host, port and database are not used: a cluster has database 0 only).
    public init(seeds: [RedisNodeAddress], node: RedisConfiguration = RedisConfiguration(),
                eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.seeds = seeds
        self.nodeConfiguration = node
        self.eventLoops = eventLoops
        self.logger = logger
    }

    /// The seed nodes of `redis+cluster://host:port[,host:port…]` (a port left out is 6379); throws RedisError(.invalidURL).
    public static func seeds(url: String) throws -> [RedisNodeAddress] {
        let scheme = "redis+cluster://"
        guard url.hasPrefix(scheme), case let list = url.dropFirst(scheme.count).split(separator: "/", omittingEmptySubsequences: false),
              list.count == 1 || (list.count == 2 && list[1].isEmpty) else {
            throw RedisError(.invalidURL, "expected redis+cluster://host:port[,host:port…], got '\(url)'")
        }
        let seeds = try list[0].split(separator: ",", omittingEmptySubsequences: false).map { part in
            let address = part.contains(":") && !(part.hasPrefix("[") && part.hasSuffix("]")) ? part : part + ":6379"
            guard let node = RedisNodeAddress(address) else {
                throw RedisError(.invalidURL, "'\(part)' is not a host:port in '\(url)'")
            }
            return node
        }
        guard !seeds.isEmpty else { throw RedisError(.invalidURL, "no node in '\(url)'") }
        return seeds
    }

    /// Runs until graceful shutdown or cancellation, then closes every node's connections.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes every node's pool; later calls fail.
    public func shutdown() async {
        let pools = state.withLock { state in
            state.closed = true
            state.reading?.cancel()
            return Array(state.pools.values)
        }
        for pool in pools { await pool.shutdown() }
    }

    /// One command; an error reply throws RedisError(.reply).
    @discardableResult
    public func send(_ command: [String]) async throws -> RedisReply {
        let reply = try await pipeline([command])[0]
        if case let .error(message) = reply {
            throw RedisError(.reply, "\(message) (\(RedisCommandFormat.name(of: command)))")
        }
        return reply
    }

    /// Many commands, one pipeline per node they go to, sent at once; replies in the order of the commands, error
    /// replies as `.error` elements.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        var replies = [RedisReply?](repeating: nil, count: commands.count)
        var pending = Array(commands.indices)
        var asking: [Int: RedisNodeAddress] = [:]
        var attempt = 0
        while !pending.isEmpty {
            let map = try await currentMap()
            var batches: [RedisNodeAddress: [Int]] = [:]
            for index in pending {
                let node: RedisNodeAddress?
                if let target = asking[index] {
                    node = target
                } else if let slot = RedisSlot.of(command: commands[index]) {
                    node = map.master(of: slot)
                } else {
                    node = map.masters.first // a command without a key: any master answers it
                }
                guard let node else {
                    throw RedisError(.connection, "no node of the cluster serves the slot of \(RedisCommandFormat.name(of: commands[index]))")
                }
                batches[node, default: []].append(index)
            }
            let answers = try await send(batches, commands: commands, asking: asking)
            var redirected: [Int] = []
            var waitBeforeNext = false, mapMoved = false
            asking = [:]
            for (index, reply) in answers {
                guard attempt < Self.maximumRedirections, case let .error(message) = reply, let redirection = RedisRedirection(message) else {
                    replies[index] = reply
                    continue
                }
                redirected.append(index)
                followed.add(1, ordering: .relaxed)
                switch redirection {
                case let .moved(slot, address):
                    state.withLock { $0.map?.move(slot, to: address) }
                    mapMoved = true
                case let .ask(_, address):
                    asking[index] = address
                case .retryLater:
                    waitBeforeNext = true
                }
            }
            if mapMoved { readMapAgain() }
            if waitBeforeNext { try await Task.sleep(for: .milliseconds(25 << attempt)) }
            pending = redirected.sorted()
            attempt += 1
        }
        return replies.map { $0 ?? .null }
    }


    public func scan(matching pattern: String, count: Int, _ body: ([String]) async throws -> Void) async throws {
        for master in try await currentMap().masters {
            try await onNode(master) { try await scanNode($0, matching: pattern, count: count, body) }
        }
    }

    /// Keys of one slot go together (the cluster refuses a command whose keys lie in several).
    @discardableResult
    public func unlink(_ keys: [String]) async throws -> Int {
        let bySlot = Dictionary(grouping: keys, by: { RedisSlot.of(key: $0) })
        return try await pipeline(bySlot.values.map { ["UNLINK"] + $0 }).reduce(0) { $0 + ($1.int ?? 0) }
    }

    /// The connections of every node's pool, summed.
    public var statistics: RedisPoolStatistics {
        let pools = state.withLock { Array($0.pools.values) }
        return pools.map(\.statistics).reduce(RedisPoolStatistics(open: 0, inUse: 0, waiting: 0, waits: 0, waitedSeconds: 0)) { sum, next in
            RedisPoolStatistics(open: sum.open + next.open, inUse: sum.inUse + next.inUse, waiting: sum.waiting + next.waiting,
                                waits: sum.waits + next.waits, waitedSeconds: sum.waitedSeconds + next.waitedSeconds)
        }
    }

    /// A node-wide command (`SCRIPT LOAD`, `INFO`, `DBSIZE`) on every master, at once; one reply each, in the order of
    /// `masters()`.
    public func onEveryServer(_ command: [String]) async throws -> [(server: String, reply: RedisReply)] {
        let masters = try await currentMap().masters
        return try await withThrowingTaskGroup(of: (Int, RedisReply).self) { group in
            for (index, master) in masters.enumerated() {
                group.addTask { (index, try await self.onNode(master) { try await $0.send(command) }) }
            }
            var replies = [RedisReply](repeating: .null, count: masters.count)
            for try await (index, reply) in group { replies[index] = reply }
            return zip(masters, replies).map { ("\($0.0)", $0.1) }
        }
    }

    /// The master serving `key`'s slot, as the map has it now.
    public func server(of key: String) async throws -> String {
        guard let node = try await currentMap().master(of: RedisSlot.of(key: key)) else {
            throw RedisError(.connection, "no node of the cluster serves the slot of \(key)")
        }
        return "\(node)"
    }

    /// The masters the map names now (read first when not yet known).
    public func masters() async throws -> [RedisNodeAddress] {
        try await currentMap().masters
    }

    /// Each node's batch as one pipeline, all at once; the replies by command index (an `ASKING` before a command is
    /// answered and dropped here).
    private func send(_ batches: [RedisNodeAddress: [Int]], commands: [[String]], asking: [Int: RedisNodeAddress]) async throws -> [(Int, RedisReply)] {
        try await withThrowingTaskGroup(of: [(Int, RedisReply)].self) { group in
            for (node, indexes) in batches {
                let batch = indexes.flatMap { asking[$0] == nil ? [commands[$0]] : [["ASKING"], commands[$0]] }
                group.addTask {
                    let replies = try await self.onNode(node) { try await $0.pipeline(batch) }
                    var answers: [(Int, RedisReply)] = []
                    var position = 0
                    for index in indexes {
                        if asking[index] != nil { position += 1 }
                        answers.append((index, replies[position]))
                        position += 1
                    }
                    return answers
                }
            }
            var answers: [(Int, RedisReply)] = []
            for try await part in group { answers += part }
            return answers
        }
    }

    /// Runs `body` with the pool of `node`; when the node cannot be reached (it may be gone: a failover), the map is
    /// read again so that the next call finds who serves its slots now.
    private func onNode<T: Sendable>(_ node: RedisNodeAddress, _ body: (RedisPool) async throws -> T) async throws -> T {
        do {
            return try await body(try pool(for: node))
        } catch let error as RedisError where error.kind != .reply {
            readMapAgain()
            throw error
        }
    }

    /// The map, read when not known yet; waits for a read in progress.
    private func currentMap() async throws -> RedisSlotMap {
        let (map, reading) = state.withLock { ($0.map, $0.reading) }
        if let map { return map }
        return try await (reading ?? readMapAgain()).value
    }

    /// Reads the map again unless a read is in progress (single flight); the read replaces the map when it answers.
    @discardableResult
    private func readMapAgain() -> Task<RedisSlotMap, any Error> {
        state.withLock { state in
            if let reading = state.reading { return reading }
            let reading = Task {
                defer { self.state.withLock { $0.reading = nil } }
                let map = try await self.readMap()
                self.state.withLock { $0.map = map }
                return map
            }
            state.reading = reading
            return reading
        }
    }

    /// `CLUSTER SLOTS` from the first node that answers: the masters known, then the seeds.
    private func readMap() async throws -> RedisSlotMap {
        let known = state.withLock { $0.map?.masters ?? [] }
        var failure: (any Error)?
        for node in known + seeds.filter({ !known.contains($0) }) {
            do {
                let map = try RedisSlotMap(clusterSlots: try await pool(for: node).send(["CLUSTER", "SLOTS"]), asked: node)
                logger.debug("Redis Cluster map read", metadata: ["redis.node": "\(node)", "redis.masters": "\(map.masters.count)"])
                return map
            } catch {
                failure = error
            }
        }
        throw failure ?? RedisError(.connection, "no seed node to read the cluster's map from")
    }

    /// The pool of `node`, created on first use.
    private func pool(for node: RedisNodeAddress) throws -> RedisPool {
        try state.withLock { state in
            guard !state.closed else { throw RedisError(.poolClosed, "the cluster client was shut down") }
            if let pool = state.pools[node] { return pool }
            var configuration = nodeConfiguration
            configuration.host = node.host
            configuration.port = node.port
            configuration.database = 0
            let pool = RedisPool(configuration: configuration, eventLoops: eventLoops, logger: logger)
            state.pools[node] = pool
            return pool
        }
    }
}
