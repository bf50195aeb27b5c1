import Foundation
import Hummingbird
import RallyCore
import RallyStore

/// `/v1/programs/{programId}/rules`: the versions of a program's rules, set by HR without a deploy.
struct RulesController {
    let authorization: Authorization
    let programs: ProgramStore

    /// A ruleset as the contract writes it, instants in the program's time zone.
    struct RulesetBody: JSONWritable {
        var ruleset: Ruleset
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.value(ruleset.document(in: timeZone))
        }
    }

    struct VersionsBody: JSONWritable {
        var versions: [Ruleset]
        var inForce: Int
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("inForce", inForce)
                json.key("versions")
                json.array(versions.reversed()) { json, ruleset in json.value(ruleset.document(in: timeZone)) }
            }
        }
    }

    var endpoints: RouteCollection<RallyRequestContext> {
        let routes = RouteCollection(context: RallyRequestContext.self)
        routes.get(use: show)
        routes.put(use: replace)
        routes.get("versions", use: versions)
        return routes
    }

    /// The ruleset in force now (the defaults, version 0, until HR sets one).
    @Sendable func show(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.read])
        let fresh = try await programs.fresh(program.id)
        return JSONResponse.make(RulesetBody(ruleset: fresh.rules.inForce(at: Date()), timeZone: fresh.timeZone), status: .ok)
    }

    /// Every version, newest first, and the number of the one in force now.
    @Sendable func versions(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.read])
        let fresh = try await programs.fresh(program.id)
        return JSONResponse.make(VersionsBody(versions: fresh.rules.versions, inForce: fresh.rules.inForce(at: Date()).version,
                                              timeZone: fresh.timeZone), status: .ok)
    }

    /// A new version, in force from its `effectiveFrom` (now when absent); never retroactive.
    @Sendable func replace(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.admin])
        let document = try await JSONBody.decode(JSONValue.self, from: request, context: context)
        let proposal = try Ruleset.parse(document).mapError { RallyError.validation($0.problems) }.get()
        let ruleset = try await programs.setRules(proposal, program: program.id)
        context.logger.info("rules changed", metadata: ["program": "\(program.id)", "version": "\(ruleset.version)"])
        return JSONResponse.make(RulesetBody(ruleset: ruleset, timeZone: program.timeZone), status: .ok)
    }
}
