import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded pool of connections on SwiftNIO channels (`RedisConnection`), each on an event loop of `eventLoops`; and,
/// beside them, one connection per event loop that short exchanges share (`RedisSharedConnections`).
///
/// A task lends a connection on the event loop it runs on when one is idle there, and opens new connections on its own
/// loop: when Swift concurrency runs on the same event loops (`rally serve` installs them as its global executor), a
/// command is written, and its reply read, on the task's own thread. Creating a pool sets SIGPIPE to be ignored for the
/// whole process (once), so that a write to a connection the server dropped fails instead of killing the process. Run
/// the pool in a ServiceGroup before the services that use it, or call `shutdown()`.
public final class RedisPool: Service, Sendable {
    /// The configuration the pool was created with (`maximumConnections` at least 1).
    public let configuration: RedisConfiguration
    private let logger: Logger
    private let eventLoops: any EventLoopGroup
    private let state: Mutex<RedisPoolState>
    private let shared = RedisSharedConnections()
    private let waitedNanoseconds = Atomic<Int>(0)

    /// The pool's use, for metrics.
    public var statistics: RedisPoolStatistics {
        let waited = Double(waitedNanoseconds.load(ordering: .relaxed)) / 1e9
        let limit = configuration.maximumConnections, shared = shared.openCount
        return state.withLock {
            RedisPoolStatistics(open: $0.idle.count + limit - $0.freeSlots + shared, inUse: limit - $0.freeSlots, waiting: $0.waiters.count,
                                waits: $0.queued, waitedSeconds: waited)
        }
    }

    /// Creates the pool; connections are opened on first use.
    public init(configuration: RedisConfiguration, eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        _ = ignoreBrokenPipeSignal
        var configuration = configuration
        configuration.maximumConnections = max(1, configuration.maximumConnections)
        self.configuration = configuration
        self.logger = logger
        self.eventLoops = eventLoops
        self.state = Mutex(RedisPoolState(slots: configuration.maximumConnections))
    }

    /// Runs until graceful shutdown/cancellation, then closes the connections.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes the idle connections and refuses later checkouts (idempotent); connections lent out close when given back.
    public func shutdown() async {
        shared.shutdown()
        guard let released = state.withLock({ $0.close() }) else { return }
        for waiter in released.waiters {
            waiter.continuation.resume(throwing: RedisError(.poolClosed, "the pool was shut down while waiting for a connection"))
        }
        for connection in released.idle {
            connection.close()
        }
        logger.debug("Redis pool shut down", metadata: ["redis.address": "\(configuration.host):\(configuration.port)"])
    }

    /// Lends a connection to `body` (waiting asynchronously when all are busy), connecting on the caller's event loop
    /// when none is idle; a connection on which a command failed is discarded and replaced on a later use.
    public func withConnection<T>(_ body: (RedisConnection) async throws -> T) async throws -> T {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        var leased = try await checkout(preferring: loop)
        if let stale = leased, !stale.isUsable {
            logger.debug("Redis connection closed while idle; reconnecting")
            stale.close()
            leased = nil
        }
        let connection: RedisConnection
        do {
            if let leased {
                connection = leased
            } else {
                connection = try await RedisConnection.connect(configuration, on: loop ?? eventLoops.next())
            }
        } catch {
            checkin(nil)
            throw error
        }
        if leased == nil {
            logger.debug("Redis connection opened", metadata: [
                "redis.address": "\(configuration.host):\(configuration.port)",
                "redis.database": "\(configuration.database)",
            ])
        }
        defer { checkin(connection) }
        return try await body(connection)
    }

    /// One command; an error reply throws RedisError(.reply).
    @discardableResult
    public func send(_ command: [String]) async throws -> RedisReply {
        try await pipeline([command], throwingErrorReply: true)[0]
    }

    /// Many commands in one round trip; error replies come back as `.error` elements, not thrown.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await pipeline(commands, throwingErrorReply: false)
    }

    /// Sends the commands on the connection the caller's event loop shares (a short exchange) or on a lent one, once more
    /// on another when they never left on the first (it had closed while idle: the server cannot have run them).
    private func pipeline(_ commands: [[String]], throwingErrorReply: Bool) async throws -> [RedisReply] {
        let exchange: (RedisConnection) async throws -> [RedisReply] = { connection in
            throwingErrorReply ? [try await connection.send(commands[0])] : try await connection.pipeline(commands)
        }
        let send: () async throws -> [RedisReply] = RedisSharedConnections.isShort(commands)
            ? { try await exchange(try await self.sharedConnection()) } : { try await self.withConnection(exchange) }
        do {
            return try await send()
        } catch let error as RedisError where error.unsent {
            logger.debug("Redis connection closed before the command left; sending it on another")
            return try await send()
        }
    }

    /// The connection the caller's event loop shares (another loop's for a caller on none), opened on first use.
    private func sharedConnection() async throws -> RedisConnection {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? eventLoops.next()
        let configuration = configuration, logger = logger
        return try await shared.connection(on: loop) {
            let connection = try await RedisConnection.connect(configuration, on: loop, shared: true)
            logger.debug("Redis shared connection opened", metadata: ["redis.address": "\(configuration.host):\(configuration.port)"])
            return connection
        }
    }

    /// Takes a slot, waiting (cancellably) in line when none is free; returns an idle connection or nil.
    private func checkout(preferring loop: (any EventLoop)?) async throws -> RedisConnection? {
        let started = ContinuousClock.now
        defer {
            let waited = ContinuousClock.now - started
            waitedNanoseconds.add(Int(waited.components.seconds) * 1_000_000_000 + Int(waited.components.attoseconds / 1_000_000_000), ordering: .relaxed)
        }
        let id = state.withLock { state in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RedisConnection?, any Error>) in
                let waiter = RedisPoolState.Waiter(id: id, continuation: continuation)
                let decision = state.withLock { $0.checkout(waiter, isCancelled: Task.isCancelled, preferring: loop) }
                switch decision {
                case .lend(let connection): continuation.resume(returning: connection)
                case .fail(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            state.withLock { $0.removeWaiter(id: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Returns a slot; a connection no longer usable is closed and dropped so the next user reconnects.
    private func checkin(_ connection: RedisConnection?) {
        var usable = connection
        if let broken = connection, !broken.isUsable {
            logger.debug("Redis connection discarded after a failure")
            broken.close()
            usable = nil
        }
        let kept = usable
        if let waiter = state.withLock({ $0.checkin(kept) }) {
            waiter.continuation.resume(returning: kept)
        } else if let kept, state.withLock({ $0.closed }) {
            kept.close()
        }
    }
}

/// Ignores SIGPIPE process-wide, once (a global `let` is initialised lazily and exactly once).
private let ignoreBrokenPipeSignal: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()

/// How a pool is used: its connections open (lent out ones counted as open) and lent out, the tasks waiting for one, how
/// many checkouts ever had to wait and how long checkouts waited in all.
public struct RedisPoolStatistics: Sendable, Equatable {
    public var open: Int
    public var inUse: Int
    public var waiting: Int
    public var waits: Int
    public var waitedSeconds: Double
}
