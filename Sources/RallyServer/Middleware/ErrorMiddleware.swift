import Foundation
import Hummingbird
import RallyCore

/// Turns every thrown error into the contract's JSON error body, with the request id; logs server-side failures.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let rally = RallyError.from(error)
            switch rally.status.code {
            case 503: context.logger.warning("dependency unavailable", metadata: ["error": "\(rally.message)"])
            case 500...: context.logger.error("request failed", metadata: ["error": "\(error)", "status": "\(rally.status.code)"])
            default: break
            }
            var response = JSONResponse.make(rally.body(requestId: context.id), status: rally.status)
            if rally.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }
}
