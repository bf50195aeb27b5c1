import Foundation
import HTTPTypes
import Hummingbird
import RallyCore

/// Turns every thrown error into the contract's JSON error body, with the request id; logs server-side failures.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let rally = RallyError.from(error)
            let detail = rally.internalDetail ?? rally.message
            switch rally.status.code {
            case 503: context.logger.warning("dependency unavailable", metadata: ["error": "\(detail)"])
            case 500...: context.logger.error("request failed", metadata: ["error": "\(detail)", "status": "\(rally.status.code)"])
            default: if let internalDetail = rally.internalDetail { context.logger.notice("request refused", metadata: ["error": "\(internalDetail)"]) }
            }
            var response = JSONResponse.make(rally.body(requestId: context.id), status: rally.status)
            if rally.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            for (name, value) in rally.headers {
                if let field = HTTPField.Name(name) { response.headers[field] = value }
            }
            return response
        }
    }
}
