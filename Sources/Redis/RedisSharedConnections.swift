import NIOCore
import Synchronization

/// The connections that short exchanges share, one per event loop (`RedisPool.pipeline`): an exchange is written behind
/// whatever is in flight on the connection (the replies come back in order: `RedisChannelHandler`), the exchanges a loop
/// sends in one turn leave in one write and their replies come back in as few reads, and none waits for a connection
/// to be free. An exchange that would hold a connection long (a large pipeline, a projection's script) takes one of the
/// pool's own instead, so that short reads never queue behind it.
final class RedisSharedConnections: Sendable {
    private enum Entry {
        /// Being opened: every caller awaits the same attempt.
        case connecting(Task<RedisConnection, any Error>)
        case open(RedisConnection)
    }

    private struct State {
        var closed = false
        var byLoop: [ObjectIdentifier: Entry] = [:]
    }

    private let state = Mutex(State())

    /// Whether an exchange is short enough to share a connection: a few commands of a few arguments each.
    static func isShort(_ commands: [[String]]) -> Bool {
        commands.count <= 4 && commands.allSatisfy { $0.count <= 16 }
    }

    /// How many are open, for the pool's statistics.
    var openCount: Int {
        state.withLock { state in state.byLoop.values.count { if case .open = $0 { true } else { false } } }
    }

    /// The connection shared on `loop`, opened by `connect` when there is none or the last one broke.
    func connection(on loop: any EventLoop, connect: @escaping @Sendable () async throws -> RedisConnection) async throws -> RedisConnection {
        let id = ObjectIdentifier(loop)
        let found: Entry = try state.withLock { state in
            if state.closed { throw RedisError(.poolClosed, "the pool is shut down") }
            switch state.byLoop[id] {
            case let .open(connection) where connection.isUsable:
                return .open(connection)
            case let .connecting(task):
                return .connecting(task)
            case let .open(broken):
                broken.close()
                fallthrough
            case nil:
                let task = Task { try await connect() }
                state.byLoop[id] = .connecting(task)
                return .connecting(task)
            }
        }
        let attempt: Task<RedisConnection, any Error>
        switch found {
        case let .open(connection): return connection
        case let .connecting(task): attempt = task
        }
        do {
            let connection = try await attempt.value
            let closed = state.withLock { state in
                if case let .connecting(task) = state.byLoop[id], task == attempt { state.byLoop[id] = .open(connection) }
                return state.closed
            }
            if closed {
                connection.close()
                throw RedisError(.poolClosed, "the pool was shut down while connecting")
            }
            return connection
        } catch {
            state.withLock { state in
                if case let .connecting(task) = state.byLoop[id], task == attempt { state.byLoop[id] = nil }
            }
            throw error
        }
    }

    /// Closes every shared connection and refuses later ones (idempotent).
    func shutdown() {
        let entries = state.withLock { state in
            state.closed = true
            defer { state.byLoop.removeAll() }
            return Array(state.byLoop.values)
        }
        for case let .open(connection) in entries { connection.close() }
    }
}
