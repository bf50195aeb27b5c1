import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// `/v1/programs/{programId}/audit`: every administrative change of the program, newest first (admin).
struct AuditController {
    let audit: AuditLog

    struct AuditPage: JSONWritable {
        var entries: [AuditEntry]
        var nextCursor: Int64?
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("entries")
                json.array(entries) { json, entry in
                    json.object { json in
                        json.field("id", String(entry.id))
                        json.field("at", RFC3339.format(entry.at, in: timeZone))
                        json.field("actor", entry.actor)
                        json.field("action", entry.action)
                        json.field("target", entry.target)
                        json.field("before", json: entry.before)
                        json.field("after", json: entry.after)
                    }
                }
                json.field("nextCursor", nextCursor.map(String.init))
            }
        }
    }

    var routes: [Route] {
        [Route(.get, "", .program([.admin]), page)]
    }

    @Sendable func page(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let limit = try query.integer("limit", default: 50, range: 1...200)
        let cursor = try query.cursor()
        let (entries, next) = try await audit.page(program: program.id, limit: limit, before: cursor)
        return JSONResponse.make(AuditPage(entries: entries, nextCursor: next, timeZone: program.timeZone), status: .ok)
    }
}
