import Logging
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

/// A pool of blocking hiredis connections, each used on a thread of the pool's own NIOThreadPool.
///
/// Creating a pool sets SIGPIPE to be ignored for the whole process (once): hiredis writes with write(2), and a
/// write to a connection the server dropped would otherwise kill the process; instead it fails with EPIPE and the
/// connection is discarded. Run the pool in a ServiceGroup before the services that use it, or call `shutdown()`.
public final class RedisPool: Service, Sendable {
    /// The configuration the pool was created with (`maximumConnections` at least 1).
    public let configuration: RedisConfiguration
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let state: Mutex<RedisPoolState>
    private let waitedNanoseconds = Atomic<Int>(0)

    /// Creates the pool and starts its threads; connections are opened on first use.
    /// The pool's use, for metrics.
    public var statistics: RedisPoolStatistics {
        let waited = Double(waitedNanoseconds.load(ordering: .relaxed)) / 1e9
        let limit = configuration.maximumConnections
        return state.withLock {
            RedisPoolStatistics(open: $0.idle.count + limit - $0.freeSlots, inUse: limit - $0.freeSlots, waiting: $0.waiters.count, waits: $0.queued,
                                waitedSeconds: waited)
        }
    }

    public init(configuration: RedisConfiguration, logger: Logger) {
        _ = ignoreBrokenPipeSignal
        var configuration = configuration
        configuration.maximumConnections = max(1, configuration.maximumConnections)
        self.configuration = configuration
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.maximumConnections)
        self.state = Mutex(RedisPoolState(slots: configuration.maximumConnections))
        threadPool.start()
    }

    /// Runs until graceful shutdown/cancellation, then closes connections and stops the threads.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes connections and stops threads (idempotent); for commands and tests that do not use run().
    public func shutdown() async {
        guard let released = state.withLock({ $0.close() }) else { return }
        for waiter in released.waiters {
            waiter.continuation.resume(throwing: RedisError(.poolClosed, "the pool was shut down while waiting for a connection"))
        }
        for connection in released.idle {
            connection.close()
        }
        do {
            try await threadPool.shutdownGracefully()
        } catch {
            logger.warning("Redis pool threads did not stop cleanly", metadata: ["error": "\(error)"])
        }
        logger.debug("Redis pool shut down", metadata: ["redis.address": "\(configuration.host):\(configuration.port)"])
    }

    /// Checks out a connection (waiting asynchronously when all are busy) and runs `body` with it on a pool thread;
    /// a failed connection is discarded and replaced on next use, and `database` is selected on connect.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        let leased = try await checkout()
        let configuration = self.configuration
        let logger = self.logger
        let outcome: Outcome<T>
        do {
            outcome = try await threadPool.runIfActive {
                Self.perform(body, with: leased, configuration: configuration, logger: logger)
            }
        } catch {
            // The closure did not run: the task was cancelled while queued, or the threads are stopping.
            checkin(leased)
            if Task.isCancelled { throw CancellationError() }
            throw RedisError(.poolClosed, "the pool is shut down")
        }
        checkin(outcome.connection)
        return try outcome.result.get()
    }

    /// One command; an error reply throws RedisError(.reply).
    @discardableResult
    public func send(_ command: [String]) async throws -> RedisReply {
        try await withConnection { try $0.send(command) }
    }

    /// Many commands in one round trip; error replies come back as `.error` elements, not thrown.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await withConnection { try $0.pipeline(commands) }
    }

    /// What ran on the pool thread: the result and the connection to give back (nil when there is none to keep).
    private struct Outcome<T: Sendable>: Sendable {
        var connection: RedisConnection?
        var result: Result<T, any Error>
    }

    /// On a pool thread: replaces a missing or stale connection, then runs `body`.
    private static func perform<T: Sendable>(
        _ body: @Sendable (RedisConnection) throws -> T,
        with leased: RedisConnection?,
        configuration: RedisConfiguration,
        logger: Logger
    ) -> Outcome<T> {
        var connection = leased
        if let stale = connection, !stale.isIdleAndOpen() {
            logger.debug("Redis connection closed while idle; reconnecting")
            stale.close()
            connection = nil
        }
        do {
            let active = try connection ?? RedisConnection.connect(configuration)
            if connection == nil {
                logger.debug("Redis connection opened", metadata: [
                    "redis.address": "\(configuration.host):\(configuration.port)",
                    "redis.database": "\(configuration.database)",
                ])
            }
            return Outcome(connection: active, result: Result { try body(active) })
        } catch {
            return Outcome(connection: nil, result: .failure(error))
        }
    }

    /// Takes a slot, waiting (cancellably) in line when none is free; returns an idle connection or nil.
    private func checkout() async throws -> RedisConnection? {
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
                let decision = state.withLock { $0.checkout(waiter, isCancelled: Task.isCancelled) }
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

    /// Returns a slot; a broken connection is closed and dropped so the next user reconnects.
    private func checkin(_ connection: RedisConnection?) {
        var usable = connection
        if let broken = connection, broken.isBroken {
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
