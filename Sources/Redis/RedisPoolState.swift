import NIOCore

/// The pool's bookkeeping, guarded by the pool's mutex.
struct RedisPoolState {
    /// A task waiting for a connection slot; resumed with an idle connection, or nil to connect a new one.
    struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<RedisConnection?, any Error>
    }

    /// Open connections not lent out.
    var idle: [RedisConnection] = []
    /// Slots free to lend: maximumConnections minus connections lent out.
    var freeSlots: Int
    /// Tasks waiting for a slot, first come first served.
    var waiters: [Waiter] = []
    /// Source of waiter identities (for cancellation).
    var nextWaiterID: UInt64 = 0
    /// Set by shutdown: no more checkouts, returned connections are closed.
    var closed = false
    /// Checkouts that had to wait, ever.
    var queued = 0

    init(slots: Int) {
        freeSlots = slots
    }

    /// What a checkout does after looking at the state.
    enum Checkout {
        case lend(RedisConnection?)
        case wait
        case fail(any Error)
    }

    /// Takes a slot (and an idle connection if any, on `loop` first), or queues `waiter`.
    mutating func checkout(_ waiter: Waiter, isCancelled: Bool, preferring loop: (any EventLoop)?) -> Checkout {
        if closed { return .fail(RedisError(.poolClosed, "the pool is shut down")) }
        if isCancelled { return .fail(CancellationError()) }
        if freeSlots > 0 {
            freeSlots -= 1
            if let loop, let index = idle.lastIndex(where: { $0.eventLoop === loop }) {
                return .lend(idle.remove(at: index))
            }
            return .lend(idle.popLast())
        }
        queued += 1
        waiters.append(waiter)
        return .wait
    }

    /// Gives a slot back, with its connection when still usable; returns the waiter that takes it over, if any.
    mutating func checkin(_ connection: RedisConnection?) -> Waiter? {
        if !closed, !waiters.isEmpty {
            return waiters.removeFirst()
        }
        freeSlots += 1
        if !closed, let connection {
            idle.append(connection)
        }
        return nil
    }

    /// Removes a waiter whose task was cancelled, if it is still waiting.
    mutating func removeWaiter(id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index)
    }

    /// Marks the pool closed and hands back what must be released; nil when it was already closed.
    mutating func close() -> (idle: [RedisConnection], waiters: [Waiter])? {
        guard !closed else { return nil }
        closed = true
        defer { idle = []; waiters = [] }
        return (idle, waiters)
    }
}
