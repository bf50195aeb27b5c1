import Foundation
import Hummingbird
import RallyCore
import RallyStore

/// `/v1/programs/{programId}/badges`: the badges HR defines.
struct BadgeController {
    let authorization: Authorization
    let badges: BadgeStore

    struct BadgeBody: JSONWritable {
        var badge: Badge

        func write(to json: inout JSONWriter) {
            json.value(badge.document)
        }
    }

    struct BadgeList: JSONWritable {
        var badges: [Badge]

        func write(to json: inout JSONWriter) {
            json.object { $0.field("badges", badges.map(BadgeBody.init)) }
        }
    }

    var endpoints: RouteCollection<RallyRequestContext> {
        let routes = RouteCollection(context: RallyRequestContext.self)
        routes.get(use: list)
        routes.put(":badgeId", use: put)
        routes.delete(":badgeId", use: delete)
        return routes
    }

    @Sendable func list(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.read])
        return JSONResponse.make(BadgeList(badges: try await badges.list(program: program)), status: .ok)
    }

    /// Creates (201) or replaces (200) a badge; a 422 names every problem, and nothing changes then.
    @Sendable func put(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.admin])
        let badgeId = try context.pathIdentifier("badgeId")
        let document = try await JSONBody.decode(JSONValue.self, from: request, context: context)
        let badge = try Badge.parse(document, id: badgeId, knownActions: program.rules.knownActions).mapError { RallyError.validation($0.problems) }.get()
        let created = try await badges.put(badge, program: program.id)
        context.logger.info("badge \(created ? "created" : "changed")", metadata: ["program": "\(program.id)", "badge": "\(badgeId)"])
        return JSONResponse.make(BadgeBody(badge: badge), status: created ? .created : .ok)
    }

    @Sendable func delete(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.admin])
        let badgeId = try context.pathIdentifier("badgeId")
        try await badges.delete(program: program.id, badgeId: badgeId)
        context.logger.info("badge deleted", metadata: ["program": "\(program.id)", "badge": "\(badgeId)"])
        return Response(status: .noContent)
    }
}
