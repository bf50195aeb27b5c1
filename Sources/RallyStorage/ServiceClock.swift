import Foundation

/// The time that caches, rate limits and schedules go by: the continuous clock in service; in tests, a clock the test
/// moves, so that no test sleeps to let time pass. (What an operation cost is measured on the continuous clock itself.)
public protocol ServiceClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// The time of day by this clock: what several instances go by together (NTP keeps hosts within milliseconds).
    var wallTime: Date { get }
    func sleep(for duration: Duration) async throws
}

extension ContinuousClock: ServiceClock {
    public var wallTime: Date { Date() }

    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration, tolerance: nil)
    }
}
