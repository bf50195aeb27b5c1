import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// `/v1/programs/{programId}/badges`: the badges HR defines.
struct BadgeController {
    let badges: BadgeStore
    let programs: ProgramStore

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

    var routes: [Route] {
        [
            Route(.get, "", .program([.read]), list),
            Route(.put, ":badgeId", .program([.admin]), put),
            Route(.delete, ":badgeId", .program([.admin]), delete),
        ]
    }

    /// `DELETE /v1/programs/{programId}/members/{memberId}/badges/{badgeId}`, registered beside the members' routes.
    var awardRoutes: [Route] {
        [
            Route(.delete, ":memberId/badges/:badgeId", .program([.admin]), revoke),
        ]
    }

    struct RevocationBody: JSONWritable {
        var memberId: String
        var revoked: [EarnedBadge]
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("memberId", memberId)
                json.field("revoked", revoked.map { EarnedBadgeBody(badge: $0, timeZone: timeZone, detailed: true) })
            }
        }
    }

    /// Revokes a member's awards of a badge (`?tier=` one tier, `?period=` one period of a rank badge).
    @Sendable func revoke(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let memberId = try context.pathIdentifier("memberId"), badgeId = try context.pathIdentifier("badgeId")
        let query = Query(request)
        let tier = try query.identifier("tier"), period = try query.identifier("period")
        let revoked = try await badges.revoke(program: program.id, memberId: memberId, badgeId: badgeId, tier: tier, period: period,
                                              actor: context.actor)
        context.logger.info("badge revoked", metadata: ["program": "\(program.id)", "member": "\(memberId)", "badge": "\(badgeId)", "awards": "\(revoked.count)"])
        return JSONResponse.make(RevocationBody(memberId: memberId, revoked: revoked, timeZone: program.timeZone), status: .ok)
    }

    @Sendable func list(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        return JSONResponse.make(BadgeList(badges: try await programs.fresh(program.id).badges), status: .ok)
    }

    /// Creates (201) or replaces (200) a badge; a 422 names every problem, and nothing changes then.
    @Sendable func put(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let badgeId = try context.pathIdentifier("badgeId")
        let document = try await JSONBody.decode(JSONValue.self, from: request, context: context)
        let badge = try Badge.parse(document, id: badgeId, knownActions: program.rules.knownActions).mapError { RallyError.validation($0.problems) }.get()
        let created = try await badges.put(badge, program: program.id, actor: context.actor)
        _ = try await programs.fresh(program.id)  // this instance scores and shows with the new badge at once
        context.logger.info("badge \(created ? "created" : "changed")", metadata: ["program": "\(program.id)", "badge": "\(badgeId)"])
        return JSONResponse.make(BadgeBody(badge: badge), status: created ? .created : .ok)
    }

    @Sendable func delete(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let badgeId = try context.pathIdentifier("badgeId")
        try await badges.delete(program: program.id, badgeId: badgeId, actor: context.actor)
        _ = try await programs.fresh(program.id)
        context.logger.info("badge deleted", metadata: ["program": "\(program.id)", "badge": "\(badgeId)"])
        return Response(status: .noContent)
    }
}
