import Hummingbird
import RallyCore
import RallyLedger
import RallyStorage

/// Who may call what: the operator token from configuration, or a program key with a role.
struct Authorization: Sendable {
    let keys: KeyStore
    let programs: ProgramStore
    let operatorToken: String?

    /// The caller behind `Authorization: Bearer …`; 401 when there is none or it is unknown.
    func principal(of request: Request) async throws -> Principal {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw RallyError(.unauthorized, "send 'Authorization: Bearer <key>'")
        }
        var token = header.dropFirst("Bearer ".count)
        while token.first == " " { token = token.dropFirst() }
        while token.last == " " { token = token.dropLast() }
        let secret = String(token)
        if let operatorToken, Self.constantTimeEquals(secret, operatorToken) { return .operator }
        guard !secret.isEmpty, secret.utf8.count <= 256, let principal = try await keys.authenticate(secret) else {
            throw RallyError(.unauthorized, "unknown or revoked key")
        }
        return principal
    }

    /// The program, when the caller may act on it with one of `roles`: 403 (another program's key, or a role that may
    /// not), or 404.
    private func program(_ programId: String, for principal: Principal, roles: Set<KeyRole>) async throws -> ProgramContext {
        guard principal.may(roles, in: programId) else {
            if case let .programKey(key) = principal, key.programId == programId {
                let allowed = (roles.map(\.rawValue) + ["admin"]).sorted().joined(separator: " or ")
                throw RallyError(.forbidden, "a '\(key.role.rawValue)' key may not do this; it takes a key with role \(allowed)")
            }
            throw RallyError(.forbidden, "this key does not belong to program '\(programId)'")
        }
        return try await programs.require(programId)
    }

    /// Admits the caller to a route under its rule, or throws 401, 403 or 404; what it learnt (the caller, the
    /// path's program) goes into the context for the handler.
    func admit(_ access: Access, request: Request, context: inout RallyRequestContext) async throws {
        switch access {
        case .anyone:
            return
        case .operator:
            guard operatorToken != nil else {
                throw RallyError(.forbidden, "operator calls are disabled: RALLY_OPERATOR_TOKEN is not configured")
            }
            let principal = try await principal(of: request)
            guard principal == .operator else { throw RallyError(.forbidden, "only the operator token may do this") }
            context.principal = principal
        case let .program(roles):
            let principal = try await principal(of: request)
            let programId = try context.pathIdentifier("programId")
            context.program = try await program(programId, for: principal, roles: roles)
            context.principal = principal
        }
    }

    private static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
