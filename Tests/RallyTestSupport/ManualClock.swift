import Foundation
import RallyStorage
import Synchronization

/// A clock that moves only when the test says: caches expire, buckets refill and schedules fire on `advance(by:)`.
package final class ManualClock: ServiceClock {
    private struct Sleeper {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = ContinuousClock.now
        /// The time of day at `started`.
        let startedAt = Date()
        let started = ContinuousClock.now
        var sleepers: [Int: Sleeper] = [:]
        var nextId = 0
    }

    private let state = Mutex(State())

    package init() {}

    package var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// The time of day when the clock was made, moved on as the clock is: instances sharing this clock agree on it.
    package var wallTime: Date {
        state.withLock { state in
            let moved = state.now - state.started
            return state.startedAt.addingTimeInterval(Double(moved.components.seconds) + Double(moved.components.attoseconds) / 1e18)
        }
    }

    /// Returns once the clock has been moved `duration` past now (at once for a duration of zero or less).
    package func sleep(for duration: Duration) async throws {
        let id = state.withLock { state in
            defer { state.nextId += 1 }
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    let deadline = state.now + duration
                    guard deadline > state.now, !Task.isCancelled else { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves the clock on by `duration` and wakes whoever slept until then.
    package func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now += duration
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// How many are sleeping on this clock now (a test waits until a schedule has gone back to sleep).
    package var sleepers: Int { state.withLock { $0.sleepers.count } }
}
