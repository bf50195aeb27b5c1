import Foundation
import Hummingbird
import RallyCore
import RallyStore

/// `/v1/programs/{programId}/leaderboards`: live member boards from Redis.
struct LeaderboardController {
    let authorization: Authorization
    let leaderboards: Leaderboards

    struct BoardBody: JSONWritable {
        var page: LeaderboardPage
        var timeZone: TimeZone
        var offset: Int
        var limit: Int

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("period", object: { json in
                    json.field("kind", page.period.kind.rawValue)
                    json.field("key", page.period.key)
                    json.field("start", page.period.start.map { RFC3339.format($0, in: timeZone) })
                    json.field("end", page.period.end.map { RFC3339.format($0, in: timeZone) })
                })
                json.field("total", page.total)
                json.field("offset", offset)
                json.field("limit", limit)
                json.key("entries")
                json.array(page.entries) { json, entry in
                    json.object { json in
                        json.field("rank", entry.rank)
                        json.field("memberId", entry.memberId)
                        json.field("displayName", entry.displayName)
                        json.field("team", entry.team)
                        json.field("points", entry.points)
                    }
                }
            }
        }
    }

    var endpoints: RouteCollection<RallyRequestContext> {
        let routes = RouteCollection(context: RallyRequestContext.self)
        routes.get("members", use: members)
        routes.get("members/around/:memberId", use: around)
        return routes
    }

    @Sendable func members(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.read])
        let period = try Self.period(request, program: program)
        let limit = try Query.integer(request, "limit", default: 10, range: 1...100)
        let offset = try Query.integer(request, "offset", default: 0, range: 0...1_000_000)
        let page = try await leaderboards.page(program: program.id, period: period, offset: offset, limit: limit)
        return JSONResponse.make(BoardBody(page: page, timeZone: program.timeZone, offset: offset, limit: limit), status: .ok)
    }

    @Sendable func around(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.read])
        let memberId = try context.parameters.require("memberId")
        let period = try Self.period(request, program: program)
        let radius = try Query.integer(request, "radius", default: 2, range: 0...50)
        guard let position = try await leaderboards.position(program: program.id, period: period, memberId: memberId) else {
            throw RallyError(.notFound, "member '\(memberId)' is not on the \(period.kind.rawValue) leaderboard \(period.key)")
        }
        let offset = max(0, position - radius)
        let limit = position + radius + 1 - offset
        let page = try await leaderboards.page(program: program.id, period: period, offset: offset, limit: limit)
        return JSONResponse.make(BoardBody(page: page, timeZone: program.timeZone, offset: offset, limit: limit), status: .ok)
    }

    /// `period` (default week) and `at` (a local date `2026-11-20` or an RFC 3339 instant; default now).
    static func period(_ request: Request, program: ProgramContext) throws -> Period {
        let query = request.uri.queryParameters
        if let team = query["team"], !team.isEmpty {
            throw RallyError.validation([FieldProblem(field: "team", problem: "team leaderboards are not available yet")])
        }
        if let region = query["region"], !region.isEmpty {
            throw RallyError.validation([FieldProblem(field: "region", problem: "region leaderboards are not available yet")])
        }
        let kindText = query["period"].map(String.init) ?? "week"
        guard let kind = PeriodKind(rawValue: kindText), PeriodKind.tracked.contains(kind) else {
            let tracked = PeriodKind.tracked.map(\.rawValue).joined(separator: ", ")
            throw RallyError.validation([FieldProblem(field: "period", problem: "must be one of \(tracked)")])
        }
        var instant = Date()
        if let at = query["at"].map(String.init) {
            if let date = CivilDate.parse(at) {
                instant = program.calendar.instant(atNoonOf: date)
            } else if let parsed = RFC3339.parse(at) {
                instant = parsed
            } else {
                throw RallyError.validation([FieldProblem(field: "at", problem: "must be a date (2026-11-20) or an RFC 3339 timestamp")])
            }
        }
        return program.calendar.period(kind, containing: instant)
    }
}
