import Hummingbird
import Metrics
import RallyStore

/// Counts requests and times them per route template and status, for `/metrics`.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let dimensions = [("method", request.method.rawValue), ("route", route), ("status", String(response.status.code))]
        Counter(label: "rally_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "rally_http_request_duration_seconds", dimensions: [("method", request.method.rawValue), ("route", route)], factory: factory)
            .recordInterval(since: started)
        return response
    }
}
