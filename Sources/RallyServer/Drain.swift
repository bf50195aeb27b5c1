import Logging
import ServiceLifecycle
import Synchronization

/// This instance's drain on graceful shutdown (SIGTERM): for `delay`, `/readyz` answers 503 `draining` while requests
/// are still served, so that a balancer takes the instance out before its server closes the listener. Run it after the
/// application in one service group: the group shuts the last service down first.
public final class Drain: Service, Sendable {
    /// How long the instance drains before its server stops (0: it stops at once).
    public let delay: Duration
    private let draining = Atomic<Bool>(false)
    private let logger: Logger

    public init(delay: Duration, logger: Logger) {
        self.delay = delay
        self.logger = logger
    }

    /// Whether the instance is draining: it should not be sent new requests.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Waits for graceful shutdown, then drains for `delay` (less if cancelled).
    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        guard delay > .zero else { return }
        draining.store(true, ordering: .relaxed)
        logger.notice("draining: /readyz answers 503 until the server stops", metadata: ["delay": "\(delay)"])
        try? await Task.sleep(for: delay)
    }
}
