import Foundation
import Hummingbird
import RallyCore
import RallyStore

/// `/v1/programs`: programs and their keys.
struct ProgramController {
    let authorization: Authorization
    let programs: ProgramStore
    let keys: KeyStore

    struct CreateProgram: Decodable {
        var id: String
        var name: String
        var timezone: String
    }

    struct ProgramBody: JSONWritable {
        var id: String
        var name: String
        var timezone: String
        var createdAt: String
        var adminKey: String?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", id)
                json.field("name", name)
                json.field("timezone", timezone)
                json.field("createdAt", createdAt)
                json.optionalField("adminKey", adminKey)
            }
        }
    }

    struct CreateKey: Decodable {
        var role: String
        var label: String?
    }

    struct KeyBody: JSONWritable {
        var id: String
        var role: String
        var label: String?
        var key: String?
        var createdAt: String?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", id)
                json.field("role", role)
                json.optionalField("label", label)
                json.optionalField("key", key)
                json.optionalField("createdAt", createdAt)
            }
        }
    }

    struct KeyList: JSONWritable {
        var keys: [KeyBody]

        func write(to json: inout JSONWriter) {
            json.object { $0.field("keys", keys) }
        }
    }

    var endpoints: RouteCollection<RallyRequestContext> {
        let routes = RouteCollection(context: RallyRequestContext.self)
        routes.post(use: create)
        routes.get(":programId", use: show)
        routes.post(":programId/keys", use: createKey)
        routes.get(":programId/keys", use: listKeys)
        routes.delete(":programId/keys/:keyId", use: revokeKey)
        return routes
    }

    @Sendable func create(_ request: Request, context: RallyRequestContext) async throws -> Response {
        try await authorization.requireOperator(request)
        let body = try await JSONBody.decode(CreateProgram.self, from: request, context: context)
        let (program, key) = try await programs.create(id: body.id, name: body.name, timeZone: body.timezone)
        context.logger.info("program created", metadata: ["program": "\(program.id)"])
        return JSONResponse.make(Self.body(program, adminKey: key.secret), status: .created)
    }

    @Sendable func show(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.read])
        return JSONResponse.make(Self.body(program, adminKey: nil), status: .ok)
    }

    @Sendable func createKey(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.admin])
        let body = try await JSONBody.decode(CreateKey.self, from: request, context: context)
        guard let role = KeyRole(rawValue: body.role) else {
            throw RallyError.validation([FieldProblem(field: "role", problem: "must be one of ingest, read, admin")])
        }
        let key = try await keys.create(program: program.id, role: role, label: body.label)
        context.logger.info("key created", metadata: ["program": "\(program.id)", "key": "\(key.id)", "role": "\(role.rawValue)"])
        return JSONResponse.make(KeyBody(id: key.id, role: role.rawValue, label: key.label, key: key.secret), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.admin])
        let keys = try await keys.list(program: program.id)
        return JSONResponse.make(KeyList(keys: keys.map {
            KeyBody(id: $0.id, role: $0.role.rawValue, label: $0.label, createdAt: RFC3339.format($0.createdAt, in: program.timeZone))
        }), status: .ok)
    }

    @Sendable func revokeKey(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.admin])
        let keyId = try context.parameters.require("keyId")
        try await keys.revoke(program: program.id, keyId: keyId)
        context.logger.info("key revoked", metadata: ["program": "\(program.id)", "key": "\(keyId)"])
        return Response(status: .noContent)
    }

    static func body(_ program: ProgramContext, adminKey: String?) -> ProgramBody {
        ProgramBody(id: program.id, name: program.name, timezone: program.timeZone.identifier,
                    createdAt: RFC3339.format(program.createdAt, in: program.timeZone), adminKey: adminKey)
    }
}
