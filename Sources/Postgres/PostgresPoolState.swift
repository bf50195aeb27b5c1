/// Carries a connection between the pool's tasks and threads.
///
/// `@unchecked Sendable` because checkout gives each connection to exactly one user at a time:
/// it is either idle in the pool's state or owned by the one body running on one pool thread.
struct PooledConnection: @unchecked Sendable {
    let connection: PostgresConnection
}

/// What a checkout grants: an idle connection, or (when nil) a free slot to open a new one in.
struct PoolLease: Sendable {
    let pooled: PooledConnection?
}

/// The pool's bookkeeping, kept behind a mutex; every method is quick and never blocks.
struct PoolState: Sendable {
    /// A task waiting for a connection or slot.
    struct Waiter: Sendable {
        let id: Int
        let continuation: CheckedContinuation<PoolLease, any Error>
    }

    /// The effect of a check-in, performed after the lock is released.
    enum CheckinAction: Sendable {
        case none
        case resume(CheckedContinuation<PoolLease, any Error>, PoolLease)
        case close(PooledConnection)
    }

    let limit: Int
    /// Connections open, being opened, or reserved by a lease (idle ones included).
    private(set) var open = 0
    private(set) var idle: [PooledConnection] = []
    private(set) var waiters: [Waiter] = []
    private(set) var isClosed = false
    /// Checkouts that had to wait, ever.
    private(set) var queued = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// A lease if one is available now; otherwise nil (the caller then waits with `enqueue`).
    mutating func lease() -> PoolLease? {
        if let pooled = idle.popLast() { return PoolLease(pooled: pooled) }
        if open < limit {
            open += 1
            return PoolLease(pooled: nil)
        }
        return nil
    }

    mutating func enqueue(_ waiter: Waiter) {
        queued += 1
        waiters.append(waiter)
    }

    /// Removes a cancelled waiter; nil if it was already served.
    mutating func removeWaiter(id: Int) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index)
    }

    /// Returns a connection (or, for nil, gives up a slot whose connection was discarded or never made).
    mutating func checkin(_ pooled: PooledConnection?) -> CheckinAction {
        if isClosed {
            open -= 1
            return pooled.map(CheckinAction.close) ?? .none
        }
        if !waiters.isEmpty {
            return .resume(waiters.removeFirst().continuation, PoolLease(pooled: pooled))
        }
        if let pooled {
            idle.append(pooled)
        } else {
            open -= 1
        }
        return .none
    }

    /// Marks the pool closed; returns the idle connections to close and the waiters to fail (nothing the second time).
    mutating func close() -> (idle: [PooledConnection], waiters: [Waiter])? {
        guard !isClosed else { return nil }
        isClosed = true
        defer {
            open -= idle.count
            idle = []
            waiters = []
        }
        return (idle, waiters)
    }
}
