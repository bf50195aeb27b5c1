import HTTPTypes
import Hummingbird
import RallyCore

/// Who may call a route: declared once, beside the route (`Route`), and enforced before its handler runs
/// (`RouteTable.mount`), so that no route can be served without a rule.
public enum Access: Sendable, Hashable {
    /// No key needed: the operational endpoints.
    case anyone
    /// Only the operator token.
    case `operator`
    /// A key of the program named by the path with one of these roles; admin keys and the operator always may.
    case program(Set<KeyRole>)
}

/// One endpoint: its method, its path below the controller's mount point (`""` for the mount point itself), who may
/// call it, and its handler. A handler of a `.program` route finds the program in `context.requireProgram()`.
struct Route: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var access: Access
    var handler: @Sendable (Request, RallyRequestContext) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ access: Access,
         _ handler: @escaping @Sendable (Request, RallyRequestContext) async throws -> Response) {
        self.method = method
        self.path = path
        self.access = access
        self.handler = handler
    }
}

/// Every endpoint the router serves, with its access rule: the router's own list, which tests walk (every route ×
/// every role) and compare with the OpenAPI document.
public struct RouteTable: Sendable {
    public struct Entry: Sendable, Hashable {
        public var method: HTTPRequest.Method
        /// The full path, parameters as `:name`.
        public var path: String
        public var access: Access

        /// The path as OpenAPI writes it (`{name}`).
        public var template: String {
            path.split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        }
    }

    public private(set) var entries: [Entry] = []

    /// The methods a path may be called with; any other is answered 405 with `Allow` (`refuseOtherMethods`).
    static let methods: [HTTPRequest.Method] = [.get, .put, .post, .patch, .delete, .options, .trace] + [HTTPRequest.Method("QUERY")].compactMap { $0 }

    /// Serves `routes` below `prefix`, each behind its access rule and the caller's rate limit.
    mutating func mount(_ routes: [Route], at prefix: String, on router: Router<RallyRequestContext>, authorization: Authorization,
                        limiter: RateLimiter) {
        for route in routes {
            let path = route.path.isEmpty ? prefix : prefix + "/" + route.path
            entries.append(Entry(method: route.method, path: path, access: route.access))
            let (access, handler) = (route.access, route.handler)
            router.on(RouterPath(path), method: route.method) { request, context -> Response in
                var context = context
                try await authorization.admit(access, request: request, context: &context)
                try limiter.admit(context.principal)
                return try await handler(request, context)
            }
        }
    }

    /// Answers every method a mounted path does not have with 405 and the methods it has in `Allow` (a HEAD on a
    /// path with GET is left to the router).
    func refuseOtherMethods(on router: Router<RallyRequestContext>) {
        var allowed: [String: [HTTPRequest.Method]] = [:]
        for entry in entries { allowed[entry.path, default: []].append(entry.method) }
        for (path, methods) in allowed {
            let allow = methods.map(\.rawValue).sorted().joined(separator: ", ")
            for method in Self.methods where !methods.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw RallyError(.methodNotAllowed, "\(method.rawValue) is not allowed here; allowed: \(allow)", headers: ["Allow": allow])
                }
            }
        }
    }
}
