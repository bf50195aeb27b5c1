import Hummingbird

/// Logs each request at `debug`: its method and path, never its query string (the pages' viewer tokens travel there)
/// nor its headers (keys, session cookies).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.debug("request", metadata: ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)"])
        return try await next(request, context)
    }
}
