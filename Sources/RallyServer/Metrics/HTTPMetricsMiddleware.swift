import Hummingbird
import Metrics
import RallyLedger
import Synchronization

/// Counts requests and times them per route template and status, for `/metrics`.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPMetrics

    init(factory: any MetricsFactory) {
        metrics = HTTPMetrics(factory: factory)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let (requests, duration) = metrics.handles(method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
                                                   status: Int(response.status.code))
        requests.increment()
        duration.recordInterval(since: started)
        return response
    }
}

/// The counter and timer of each method, route template and status, made once: building them costs more than
/// recording, and routes and statuses are few.
final class HTTPMetrics: Sendable {
    private struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private let factory: any MetricsFactory
    private let made = Mutex<[Key: (requests: Counter, duration: Timer)]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func handles(method: String, route: String, status: Int) -> (requests: Counter, duration: Timer) {
        let key = Key(method: method, route: route, status: status)
        return made.withLock { made in
            if let found = made[key] { return found }
            let handles = (Counter(label: "rally_http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))],
                                   factory: factory),
                           Timer(label: "rally_http_request_duration_seconds", dimensions: [("method", method), ("route", route), ("status", String(status))],
                                 factory: factory))
            made[key] = handles
            return handles
        }
    }
}
