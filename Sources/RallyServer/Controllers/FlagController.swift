import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// `/v1/programs/{programId}/flags`: the integrity review queue, and the admins' verdicts.
struct FlagController {
    let flags: FlagStore
    let writer: EventWriter

    struct FlagBody: JSONWritable {
        var flag: IntegrityFlag
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", flag.id)
                json.field("memberId", flag.memberId)
                json.field("rule", flag.rule.rawValue)
                json.key("evidence")
                json.value(flag.evidence)
                json.field("eventIds", strings: flag.eventIds)
                json.field("heldPoints", flag.heldPoints)
                json.field("status", flag.status.rawValue)
                json.field("createdAt", RFC3339.format(flag.createdAt, in: timeZone))
                json.field("updatedAt", RFC3339.format(flag.updatedAt, in: timeZone))
            }
        }
    }

    /// Mounted at `/v1/programs/:programId`.
    var routes: [Route] {
        [Route(.get, "flags", .program([.admin]), list)] + [FlagVerdict.dismiss, .confirm].map { verdict in
            Route(.post, "flags/:flagId/\(verdict.rawValue)", .program([.admin])) { request, context in
                try await review(verdict, request, context: context)
            }
        }
    }

    /// The review queue: oldest first, `status` and `memberId` optional filters, `limit` 1-500 (default 100), `cursor`.
    @Sendable func list(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let status: FlagStatus? = try query.choice("status")
        let (page, next) = try await flags.list(program: program.id, status: status, memberId: try query.identifier("memberId"),
                                                limit: try query.integer("limit", default: 100, range: 1...500),
                                                after: try query.identifier("cursor"))
        return JSONResponse.make(PageBody(name: "flags", items: page.map { FlagBody(flag: $0, timeZone: program.timeZone) }, nextCursor: next),
                                 status: .ok)
    }

    /// Dismisses (held points released) or confirms (events retracted) a flag; the same verdict again answers 200.
    func review(_ verdict: FlagVerdict, _ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let id = try context.pathIdentifier("flagId")
        let flag = try await writer.review(program: program, flagId: id, verdict: verdict, actor: context.actor)
        context.logger.info("flag reviewed", metadata: ["program": "\(program.id)", "flag": "\(id)", "status": "\(flag.status.rawValue)"])
        return JSONResponse.make(FlagBody(flag: flag, timeZone: program.timeZone), status: .ok)
    }
}
