import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import RallyLedger
import RallyStorage
import ServiceLifecycle

/// Sends queued webhook deliveries (`WebhookStore`), in the background: at least once, signed, retried with backoff.
/// A slow or dead receiver holds only this loop's own connections, never the write path.
final class WebhookDispatcher: Service, Sendable {
    let webhooks: WebhookStore
    let logger: Logger
    let interval: Duration
    let clock: any ServiceClock
    let targets: WebhookTargets
    let configuration: HTTPClient.Configuration
    /// For receivers given by address; a receiver given by name gets a client of its own, pinned to the address checked.
    let client: HTTPClient
    let delivered: Counter
    let failedAttempts: Counter
    static let batch = 32
    static let timeout: TimeAmount = .seconds(10)

    init(webhooks: WebhookStore, targets: WebhookTargets, logger: Logger, metrics: any MetricsFactory, interval: Duration, clock: any ServiceClock) {
        self.webhooks = webhooks
        self.targets = targets
        self.logger = logger
        self.interval = interval
        self.clock = clock
        var configuration = HTTPClient.Configuration()
        // A redirect could lead anywhere, inside the network included.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: Self.timeout)
        self.configuration = configuration
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.delivered = Counter(label: "rally_webhook_attempts_total", dimensions: [("outcome", "delivered")], factory: metrics)
        self.failedAttempts = Counter(label: "rally_webhook_attempts_total", dimensions: [("outcome", "failed")], factory: metrics)
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    if try await self.sendDue() == 0 { try await self.clock.sleep(for: self.interval) }
                }
            }
        } catch is CancellationError {
            // What was claimed and not sent is tried again once its lease runs out.
        }
        try await client.shutdown()
    }

    /// Sends the deliveries due now, side by side; returns how many.
    func sendDue() async throws -> Int {
        let due: [DueDelivery]
        do {
            due = try await webhooks.claimDue(limit: Self.batch)
        } catch {
            logger.warning("webhook deliveries could not be read; trying again", metadata: ["error": "\(error)"])
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in due { group.addTask { await self.send(delivery) } }
        }
        return due.count
    }

    private func send(_ delivery: DueDelivery) async {
        var status: Int?
        var failure: String?
        do {
            status = try await post(try Self.request(delivery), to: URLComponents(string: delivery.url)?.host ?? "")
            if let code = status, !(200..<300).contains(code) { failure = "HTTP \(code)" }
        } catch {
            failure = "\(error)"
        }
        if failure == nil { delivered.increment() } else { failedAttempts.increment() }
        do {
            // Recorded even when the service is stopping (the send was cancelled): the delivery is then due again at
            // once for another instance, instead of waiting out its claim.
            try await Task { try await webhooks.recordAttempt(delivery, status: status, error: failure) }.value
        } catch {
            logger.warning("a webhook attempt could not be recorded; it will be sent again", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
        if let failure {
            logger.notice("webhook delivery failed", metadata: ["delivery": "\(delivery.id)", "attempt": "\(delivery.attempt)", "error": "\(failure)"])
        }
    }

    /// The signed POST of a delivery (an error when its webhook's secret cannot be opened).
    private static func request(_ delivery: DueDelivery) throws -> HTTPClientRequest {
        let body = delivery.body
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Rally-Webhooks/1")
        request.headers.add(name: "Rally-Delivery", value: delivery.id)
        request.headers.add(name: "Rally-Signature",
                            value: WebhookStore.signature(secret: try delivery.secret.get(), timestamp: Int(Date().timeIntervalSince1970), body: body))
        request.body = .bytes(ByteBuffer(string: body))
        return request
    }

    /// Sends `request` to the address `host` stands for now, once it is checked (`WebhookTargets`); the receiver's status.
    private func post(_ request: HTTPClientRequest, to host: String) async throws -> Int {
        let address = try await targets.address(for: host)
        guard WebhookTargets.literal(host) == nil else { return try await Self.status(of: request, with: client) }
        var configuration = self.configuration
        configuration.dnsOverride = [host: address.description]
        let pinned = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let outcome = await Result(catching: { try await Self.status(of: request, with: pinned) })
        try? await pinned.shutdown()
        return try outcome.get()
    }

    private static func status(of request: HTTPClientRequest, with client: HTTPClient) async throws -> Int {
        let response = try await client.execute(request, timeout: timeout)
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}
