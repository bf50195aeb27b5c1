import Synchronization

/// Lets the lanes commit and project side by side, and a rebuild run alone (a read-write lock that favours the rebuild).
final class ProjectionGate: Sendable {
    private struct State {
        var lanes = 0
        var rebuilding = false
        var waitingRebuilds: [CheckedContinuation<Void, Never>] = []
        var waitingLanes: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs a lane's cycle; waits while a rebuild runs or waits.
    func shared<T>(_ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (entered: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                guard !state.rebuilding, state.waitingRebuilds.isEmpty else {
                    state.waitingLanes.append(entered)
                    return false
                }
                state.lanes += 1
                return true
            }
            if now { entered.resume() }
        }
        defer { leaveShared() }
        return try await body()
    }

    /// Runs a rebuild once every lane has finished its cycle; no cycle starts meanwhile.
    func exclusive<T>(_ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (entered: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                guard !state.rebuilding, state.lanes == 0 else {
                    state.waitingRebuilds.append(entered)
                    return false
                }
                state.rebuilding = true
                return true
            }
            if now { entered.resume() }
        }
        defer { leaveExclusive() }
        return try await body()
    }

    private func leaveShared() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.lanes -= 1
            guard state.lanes == 0, !state.waitingRebuilds.isEmpty else { return nil }
            state.rebuilding = true
            return state.waitingRebuilds.removeFirst()
        }
        next?.resume()
    }

    private func leaveExclusive() {
        let (rebuild, lanes): (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            if !state.waitingRebuilds.isEmpty { return (state.waitingRebuilds.removeFirst(), []) }
            state.rebuilding = false
            let lanes = state.waitingLanes
            state.waitingLanes = []
            state.lanes += lanes.count
            return (nil, lanes)
        }
        rebuild?.resume()
        lanes.forEach { $0.resume() }
    }
}
