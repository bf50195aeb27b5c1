import Synchronization

/// The periodic passes of one instance over whole programs (analytics preparation, the gauges, period closes, pruning):
/// one runs at a time, and a paced one rests after each round long enough that running it takes at most `share` of
/// the time, however large the programs grow.
public final class BackgroundPasses: Sendable {
    /// The most of the time a paced pass may run: 0.05 makes a round of 3 s rest at least 57 s.
    public let share: Double
    private let turn = Mutex(Turn())

    /// Whether a pass runs, and the passes waiting for their turn, first come first served.
    private struct Turn {
        var running = false
        var waiting: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID = 0
    }

    public init(share: Double = 0.05) {
        self.share = min(1, max(0.001, share))
    }

    /// Runs one round of a paced pass once no other pass runs, and returns how long to rest before the next round:
    /// `interval`, or longer when the round took more than `share` of it.
    public func paced(every interval: Duration, _ round: @Sendable () async -> Void) async throws -> Duration {
        let took = try await alone {
            let started = ContinuousClock.now
            await round()
            return ContinuousClock.now - started
        }
        return Self.rest(after: took, interval: interval, share: share)
    }

    /// Runs `pass` once no other pass runs (waiting for its turn; cancellable while it waits).
    public func alone<T: Sendable>(_ pass: @Sendable () async throws -> T) async throws -> T {
        try await take()
        defer { give() }
        return try await pass()
    }

    /// The rest after a round that `took` so long: at least `interval`, and `took × (1 − share) ÷ share` (to the millisecond).
    static func rest(after took: Duration, interval: Duration, share: Double) -> Duration {
        guard share < 1 else { return interval }
        let milliseconds = (Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15) * (1 - share) / share
        return max(interval, .milliseconds(Int64(milliseconds.rounded())))
    }

    private func take() async throws {
        let id = turn.withLock { turn in
            turn.nextID += 1
            return turn.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now = turn.withLock { turn -> Bool in
                    if Task.isCancelled { return false }
                    if !turn.running {
                        turn.running = true
                        return true
                    }
                    turn.waiting.append((id, continuation))
                    return false
                }
                if now {
                    continuation.resume()
                } else if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let removed = turn.withLock { turn in
                turn.waiting.firstIndex { $0.id == id }.map { turn.waiting.remove(at: $0) }
            }
            removed?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands the turn to the pass waiting longest, or frees it.
    private func give() {
        let next = turn.withLock { turn in
            if turn.waiting.isEmpty {
                turn.running = false
                return nil as CheckedContinuation<Void, any Error>?
            }
            return turn.waiting.removeFirst().continuation
        }
        next?.resume()
    }
}
