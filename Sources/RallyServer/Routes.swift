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
    /// What each mounted path answers, by method, behind its access rule.
    private var served: [String: [(method: HTTPRequest.Method, access: Access, respond: Responder)]] = [:]
    typealias Responder = @Sendable (Request, RallyRequestContext) async throws -> Response

    /// The methods a path may be called with; any other is answered 405 with `Allow` (`completeRouting`).
    static let methods: [HTTPRequest.Method] = [.get, .put, .post, .patch, .delete, .options, .trace] + [HTTPRequest.Method("QUERY")].compactMap { $0 }

    /// Serves `routes` below `prefix`, each behind its access rule and the caller's rate limit.
    mutating func mount(_ routes: [Route], at prefix: String, on router: Router<RallyRequestContext>, authorization: Authorization,
                        limiter: RateLimiter) {
        for route in routes {
            let path = route.path.isEmpty ? prefix : prefix + "/" + route.path
            entries.append(Entry(method: route.method, path: path, access: route.access))
            let (access, handler) = (route.access, route.handler)
            let respond: Responder = { request, context in
                var context = context
                try await authorization.admit(access, request: request, context: &context)
                try await limiter.admit(context.principal)
                return try await handler(request, context)
            }
            served[path, default: []].append((route.method, route.access, respond))
            router.on(RouterPath(path), method: route.method, use: respond)
        }
    }

    /// Completes the routing once every route is mounted. A literal segment beside a parameter (`members/batch` beside
    /// `members/:memberId`) always wins in the router, so that a member whose id is `batch` could not be reached: such
    /// a path also answers its parameter sibling's methods, the parameter set to the literal (listed in `entries` too).
    /// Every other method of a path is answered 405 with the methods it has in `Allow` (a HEAD on a path with GET is left
    /// to the router).
    mutating func completeRouting(on router: Router<RallyRequestContext>) {
        var allowed = served.mapValues { $0.map(\.method) }
        for path in served.keys {
            for (sibling, name, value) in parameterSiblings(of: path) {
                for (method, access, respond) in served[sibling] ?? [] where !(allowed[path]?.contains(method) ?? false) {
                    allowed[path, default: []].append(method)
                    entries.append(Entry(method: method, path: path, access: access))
                    router.on(RouterPath(path), method: method) { request, context -> Response in
                        var context = context
                        context.coreContext.parameters[name] = value
                        return try await respond(request, context)
                    }
                }
            }
        }
        for (path, methods) in allowed {
            let allow = methods.map(\.rawValue).sorted().joined(separator: ", ")
            for method in Self.methods where !methods.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw RallyError(.methodNotAllowed, "\(method.rawValue) is not allowed here; allowed: \(allow)", headers: ["Allow": allow])
                }
            }
        }
    }

    /// The mounted paths that differ from `path` in one segment only, a parameter where `path` has a literal: each with
    /// the parameter's name and the literal.
    private func parameterSiblings(of path: String) -> [(path: String, name: Substring, value: Substring)] {
        let segments = path.split(separator: "/")
        return served.keys.compactMap { sibling in
            let other = sibling.split(separator: "/")
            guard other.count == segments.count else { return nil }
            let differing = segments.indices.filter { segments[$0] != other[$0] }
            guard differing.count == 1, let position = differing.first, other[position].hasPrefix(":"), !segments[position].hasPrefix(":")
            else { return nil }
            return (sibling, other[position].dropFirst(), segments[position])
        }
    }
}
