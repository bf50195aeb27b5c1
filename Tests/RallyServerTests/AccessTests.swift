import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyCore
import RallyServer
import Testing

/// Every route the router serves declares who may call it (`Access`); these tests walk the router's own route list,
/// so a route added tomorrow is walked too.
@Suite("Access: one rule per route, enforced for every caller")
struct AccessTests {
    /// Who calls: the operator, each key of program A, no key, or program B's admin key.
    enum Caller: String, CaseIterable {
        case `operator`, admin, ingest, read, none, otherAdmin
    }

    /// Whether `access` admits `caller` to a route naming program A's id (`ownProgram`) or program B's.
    static func admits(_ access: Access, _ caller: Caller, ownProgram: Bool) -> Bool {
        switch access {
        case .anyone: return true
        case .operator: return caller == .operator
        case let .program(roles):
            switch caller {
            case .operator: return true
            case .none: return false
            case .otherAdmin: return !ownProgram
            case .admin: return ownProgram
            case .ingest: return ownProgram && roles.contains(.ingest)
            case .read: return ownProgram && roles.contains(.read)
            }
        }
    }

    @Test func everyRouteAnswersEveryCallerAsItsRuleSays() async throws {
        try await TestApp.run { app in
            let a = try await app.createProgram()
            let b = try await app.createProgram()
            let keys: [Caller: String?] = [.operator: app.operatorToken, .admin: a.adminKey, .ingest: a.ingestKey, .read: a.readKey,
                                           .none: nil, .otherAdmin: b.adminKey]
            #expect(app.routes.entries.count >= 37)
            for route in app.routes.entries {
                for ownProgram in [true, false] where ownProgram || route.path.contains(":programId") {
                    let path = route.path.split(separator: "/", omittingEmptySubsequences: false).map { part in
                        part == ":programId" ? (ownProgram ? a.id : b.id) : part.hasPrefix(":") ? "x" : String(part)
                    }.joined(separator: "/")
                    for caller in Caller.allCases {
                        let body = [.put, .post, .patch].contains(route.method) ? "{}" : nil
                        let response = try await app.send(route.method, path, key: keys[caller] ?? nil, body: body)
                        let status = response.status.code
                        let label = "\(route.method) \(path) as \(caller.rawValue): \(status)"
                        if Self.admits(route.access, caller, ownProgram: ownProgram) {
                            #expect(![401, 403, 405].contains(status), "\(label)")
                        } else {
                            #expect(status == (caller == .none ? 401 : 403), "\(label)")
                            #expect(try decode(ErrorDTO.self, from: response).error.code == (caller == .none ? "unauthorized" : "forbidden"), "\(label)")
                        }
                    }
                }
            }
        }
    }

    /// A path answers the methods it does not have with 405 and the ones it has in `Allow`.
    @Test func aMethodAPathDoesNotHaveIs405WithAllow() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await app.send(.post, "\(program.path)/members/ana", key: program.adminKey, body: "{}")
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "DELETE, GET, PUT")
            #expect(try decode(ErrorDTO.self, from: response).error.code == "method_not_allowed")
            let root = try await app.send(.delete, "/v1/programs", key: app.operatorToken)
            #expect(root.status == .methodNotAllowed)
            #expect(root.headers[.allow] == "POST")
            #expect(try await app.send(.get, "/v1/nothing", key: program.adminKey).status == .notFound)
        }
    }
}
