import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A bounded pool of libpq connections whose blocking calls run on the pool's own threads.
public final class PostgresPool: Service, Sendable {
    /// The configuration the pool was made with.
    public let configuration: PostgresConfiguration
    let logger: Logger
    /// One thread per connection, so a checked-out body always has a thread; never Swift's cooperative pool.
    let threads: NIOThreadPool
    /// Connections of their own for single statements of many requests at once (`pipelined`).
    let pipeline: PostgresPipeline
    private let state: Mutex<PoolState>
    private let waiterIDs = Atomic<Int>(0)
    private let waitedNanoseconds = Atomic<Int>(0)

    /// Creates the pool and starts its threads; connections are opened on first use.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.pipeline = PostgresPipeline(configuration: configuration, logger: logger)
        self.state = Mutex(PoolState(limit: configuration.poolSize))
        threads.start()
    }

    /// The pipeline's use (`pipelined`), for metrics: its connections open and busy, and the statements queued.
    public var pipelineStatistics: PostgresPoolStatistics { pipeline.statistics }

    /// Connections currently open or being opened (at most `maximumConnections`).
    public var connectionCount: Int { state.withLock { $0.open } }

    /// The pool's use, for metrics.
    public var statistics: PostgresPoolStatistics {
        let waited = Double(waitedNanoseconds.load(ordering: .relaxed)) / 1e9
        return state.withLock {
            PostgresPoolStatistics(open: $0.open, inUse: $0.open - $0.idle.count, waiting: $0.waiters.count, waits: $0.queued, waitedSeconds: waited)
        }
    }

    /// Runs until graceful shutdown/cancellation, then closes all connections and stops the threads.
    public func run() async throws {
        // Throws only on cancellation, which ends the wait just the same.
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes connections and stops threads (idempotent); for commands and tests that do not use run().
    public func shutdown() async {
        guard let closed = state.withLock({ $0.close() }) else { return }
        await pipeline.close()
        for waiter in closed.waiters {
            waiter.continuation.resume(throwing: Self.closedError)
        }
        let idle = closed.idle
        if !idle.isEmpty {
            do {
                try await threads.runIfActive { idle.forEach { $0.connection.close() } }
            } catch {
                idle.forEach { $0.connection.close() }
            }
        }
        do {
            try await threads.shutdownGracefully()
        } catch {
            logger.warning("PostgreSQL pool threads did not stop cleanly", metadata: ["error": "\(error)"])
        }
        logger.debug("PostgreSQL pool shut down")
    }

    /// Checks out a connection (waiting without blocking a thread), runs `body` on a pool thread, and returns it;
    /// a connection found broken afterwards is discarded and replaced on a later checkout.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let lease = try await checkout()
        let outcome: (result: Result<T, any Error>, kept: PooledConnection?)
        do {
            outcome = try await threads.runIfActive { self.use(lease, body) }
        } catch {
            // The work item never ran (cancelled, or the threads are stopped): the lease is untouched.
            checkin(lease.pooled)
            throw isClosed ? Self.closedError : error
        }
        checkin(outcome.kept)
        return try outcome.result.get()
    }

    /// Runs one read together with those of other requests, in one round trip of one of the pipeline's read-only
    /// connections (`PostgresPipeline`): for small reads run on every request, where the round trip and the hand-offs to
    /// a connection's thread cost more than the statement. A statement that writes fails (read-only transaction).
    public func pipelined<Statement: PostgresStatement>(_ statement: Statement) async throws -> PostgresRows {
        try await pipeline.run(PipelinedStatement(sql: Statement.sql, parameters: statement.bindings.map(\.postgresText),
                                                  isPrepared: Statement.isPrepared))
    }

    /// Convenience: one parameterized query on any connection.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) async throws -> PostgresRows {
        try await withConnection { try $0.query(sql, parameters) }
    }

    /// Convenience: a read-only snapshot transaction (REPEATABLE READ) on one connection.
    public func snapshot<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in
            try connection.snapshot { try body(connection) }
        }
    }

    /// BEGIN, body, COMMIT (ROLLBACK on throw) on one connection; again after a deadlock or serialization failure.
    public func transaction<T: Sendable>(planning: PostgresPlanning = .chosen,
                                         _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        // A deadlock or serialization failure rolled everything back: the transaction is run again, twice at most.
        var attempt = 1
        while true {
            do {
                return try await withConnection { connection in
                    try connection.transaction(planning: planning) { try body(connection) }
                }
            } catch let error as PostgresError where error.isTransactionConflict && attempt < 3 {
                attempt += 1
            }
        }
    }
}

/// How a pool is used: its connections open and lent out, the tasks waiting for one, how many checkouts ever had to wait
/// and how long checkouts waited in all.
public struct PostgresPoolStatistics: Sendable, Equatable {
    public var open: Int
    public var inUse: Int
    public var waiting: Int
    public var waits: Int
    public var waitedSeconds: Double
}

extension PostgresPool {
    static var closedError: PostgresError {
        PostgresError(kind: .poolClosed, message: "the PostgreSQL pool is shut down")
    }

    var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Waits for an idle connection or a free slot; throws `.poolClosed` or `CancellationError`.
    func checkout() async throws -> PoolLease {
        let id = waiterIDs.add(1, ordering: .relaxed).newValue
        let started = ContinuousClock.now
        defer {
            let waited = ContinuousClock.now - started
            waitedNanoseconds.add(Int(waited.components.seconds) * 1_000_000_000 + Int(waited.components.attoseconds / 1_000_000_000), ordering: .relaxed)
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PoolLease, any Error>) in
                let immediate: Result<PoolLease, any Error>? = state.withLock { state in
                    if state.isClosed { return .failure(Self.closedError) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let lease = state.lease() { return .success(lease) }
                    state.enqueue(PoolState.Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            state.withLock { $0.removeWaiter(id: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a connection (or, for nil, its slot) back: to the next waiter, to the idle list, or closed if the pool is.
    func checkin(_ pooled: PooledConnection?) {
        switch state.withLock({ $0.checkin(pooled) }) {
        case .none:
            break
        case .resume(let continuation, let lease):
            continuation.resume(returning: lease)
        case .close(let pooled):
            pooled.connection.close()
        }
    }

    /// On a pool thread: validates or opens the connection, runs `body`, and decides whether to keep the connection.
    private func use<T: Sendable>(
        _ lease: PoolLease,
        _ body: (PostgresConnection) throws -> T
    ) -> (result: Result<T, any Error>, kept: PooledConnection?) {
        let connection: PostgresConnection
        if let existing = lease.pooled?.connection, existing.isUsableAfterIdle() {
            connection = existing
        } else {
            if let stale = lease.pooled?.connection {
                logger.notice("PostgreSQL connection was closed while idle; reconnecting")
                stale.close()
            }
            do {
                connection = try PostgresConnection.connect(configuration, logger: logger)
                logger.debug("PostgreSQL connection opened", metadata: ["pid": "\(connection.serverProcessID)"])
            } catch {
                logger.warning("PostgreSQL connection failed", metadata: ["error": "\(error)"])
                return (.failure(error), nil)
            }
        }
        let result = Result { try body(connection) }
        if connection.resetAfterUse(), !isClosed {
            return (result, PooledConnection(connection: connection))
        }
        logger.notice("PostgreSQL connection discarded", metadata: ["pid": "\(connection.serverProcessID)"])
        connection.close()
        return (result, nil)
    }
}
