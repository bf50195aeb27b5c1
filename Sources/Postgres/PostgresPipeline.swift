import Dispatch
import Foundation
import Logging
import Synchronization

/// Single statements of many requests (a member's profile), sent down a few connections of their own in libpq's
/// pipeline mode. Each connection has a thread that takes every statement queued while it was busy and sends them in
/// one round trip: under load, one wake-up of the thread and of PostgreSQL's backend, one write and one read serve many
/// requests instead of one each, and no request waits for a pooled connection. The connections are read-only (a batch's
/// statements share its implicit transaction); a statement that fails fails alone.
final class PostgresPipeline: Sendable {
    private let lanes: [PipelineLane]
    private let next = Atomic<Int>(0)

    init(configuration: PostgresConfiguration, logger: Logger) {
        lanes = (0..<configuration.pipelinedSize).map { _ in PipelineLane(configuration: configuration, logger: logger) }
    }

    /// Runs the statement on the next connection in turn, with whatever else is queued there.
    func run(_ statement: PipelinedStatement) async throws -> PostgresRows {
        let lane = lanes[Int(next.wrappingAdd(1, ordering: .relaxed).oldValue.magnitude % UInt(lanes.count))]
        return try await withCheckedThrowingContinuation { lane.enqueue(PipelineLane.Request(statement: statement, continuation: $0)) }
    }

    /// How many round trips the connections made so far (each carrying one statement or more).
    var batches: Int { lanes.reduce(0) { $0 + $1.batches.load(ordering: .relaxed) } }

    /// The connections open, those sending or reading a batch, and the statements queued, in the pool's terms (nothing
    /// ever waits for a connection: a statement waits for its connection's next round trip).
    var statistics: PostgresPoolStatistics {
        lanes.reduce(PostgresPoolStatistics(open: 0, inUse: 0, waiting: 0, waits: 0, waitedSeconds: 0)) { total, lane in
            let (open, busy, queued) = lane.use
            return PostgresPoolStatistics(open: total.open + (open ? 1 : 0), inUse: total.inUse + (busy ? 1 : 0), waiting: total.waiting + queued,
                                          waits: 0, waitedSeconds: 0)
        }
    }

    /// Refuses new statements and those still queued (`poolClosed`); returns once what was in flight is answered and
    /// each connection closed.
    func close() async {
        for lane in lanes { await lane.close() }
    }
}

/// One pipelined connection and the thread that serves it, started with the first statement.
private final class PipelineLane: Sendable {
    struct Request: Sendable {
        var statement: PipelinedStatement
        var continuation: CheckedContinuation<PostgresRows, any Error>
    }

    private struct State {
        var pending: [Request] = []
        /// The thread waits for `wake`: the next statement queued signals it.
        var idle = false
        var started = false
        var closed = false
        /// Whether the thread holds an open connection, and is sending or reading a batch.
        var connected = false
        var busy = false
        /// Set when the thread has ended; `stopped` are resumed then.
        var ended = false
        var stopped: [CheckedContinuation<Void, Never>] = []
    }

    /// The most statements sent in one round trip.
    static let batch = 64

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let configuration: PostgresConfiguration
    private let logger: Logger
    let batches = Atomic<Int>(0)

    init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Whether the connection is open, whether a batch is under way, and how many statements wait for the next.
    var use: (open: Bool, busy: Bool, queued: Int) {
        state.withLock { ($0.connected, $0.busy, $0.pending.count) }
    }

    func enqueue(_ request: Request) {
        let (accepted, start, signal) = state.withLock { state -> (Bool, Bool, Bool) in
            guard !state.closed else { return (false, false, false) }
            state.pending.append(request)
            defer { state.started = true; state.idle = false }
            return (true, !state.started, state.idle)
        }
        guard accepted else { return request.continuation.resume(throwing: PostgresPool.closedError) }
        if start { Thread.detachNewThread { self.serve() } }
        if signal { wake.signal() }
    }

    func close() async {
        let (refused, signal) = state.withLock { state -> ([Request], Bool) in
            state.closed = true
            defer { state.pending = []; state.idle = false }
            return (state.pending, state.idle)
        }
        refused.forEach { $0.continuation.resume(throwing: PostgresPool.closedError) }
        if signal { wake.signal() }
        await withCheckedContinuation { continuation in
            let running = state.withLock { state in
                if state.started, !state.ended { state.stopped.append(continuation) }
                return state.started && !state.ended
            }
            if !running { continuation.resume() }
        }
    }

    /// The thread's loop: every statement queued, a batch at a time, until closed.
    private func serve() {
        var connection: PostgresConnection?
        while true {
            let (batch, closed) = state.withLock { state -> ([Request], Bool) in
                guard !state.pending.isEmpty else {
                    state.idle = !state.closed
                    return ([], state.closed)
                }
                let taken = Array(state.pending.prefix(Self.batch))
                state.pending.removeFirst(taken.count)
                state.busy = true
                return (taken, false)
            }
            if closed { break }
            if batch.isEmpty {
                wake.wait()
                continue
            }
            do {
                let open = try usable(connection)
                connection = open
                batches.add(1, ordering: .relaxed)
                for (request, result) in zip(batch, open.pipelined(batch.map(\.statement))) {
                    request.continuation.resume(with: result)
                }
            } catch {
                batch.forEach { $0.continuation.resume(throwing: error) }
            }
            let connected = connection?.isHealthy == true
            state.withLock { state in
                state.busy = false
                state.connected = connected
            }
        }
        connection?.close()
        let stopped = state.withLock { state in
            state.ended = true
            state.connected = false
            defer { state.stopped = [] }
            return state.stopped
        }
        stopped.forEach { $0.resume() }
    }

    /// `connection` if it is still usable, or a new one (the old closed).
    private func usable(_ connection: PostgresConnection?) throws -> PostgresConnection {
        if let connection, connection.isUsableAfterIdle() { return connection }
        if connection != nil { logger.notice("pipelined PostgreSQL connection lost; reconnecting") }
        connection?.close()
        let opened = try PostgresConnection.connect(configuration, logger: logger)
        do {
            try opened.execute("SET default_transaction_read_only = on")
        } catch {
            opened.close()
            throw error
        }
        return opened
    }
}
