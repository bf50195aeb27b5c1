import Foundation
import Hummingbird
import RallyCore
import RallyStore
import Synchronization

/// `/v1/programs/{programId}/leaderboards`: live member boards from Redis.
struct LeaderboardController {
    let authorization: Authorization
    let leaderboards: Leaderboards
    let rendered = RenderedPages()

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
        let program = try await authorization.program(of: request, context: context, roles: [.read])
        let query = request.uri.queryParameters
        let period = try Self.period(query, program: program)
        let scope = try Self.scope(query)
        let limit = try Query.integer(query, "limit", default: 10, range: 1...100)
        let offset = try Query.integer(query, "offset", default: 0, range: 0...1_000_000)
        let page = try await leaderboards.page(program: program.id, scope: scope, period: period, offset: offset, limit: limit)
        let body = rendered.body(of: page, key: "\(program.id)\n\(scope)\n\(period.key)/\(offset)/\(limit)") {
            JSONWriter.encode(BoardBody(page: page, timeZone: program.timeZone, offset: offset, limit: limit))
        }
        return JSONResponse.make(bytes: body, status: .ok)
    }

    @Sendable func around(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.read])
        let memberId = try context.pathIdentifier("memberId")
        let query = request.uri.queryParameters
        let period = try Self.period(query, program: program)
        let scope = try Self.scope(query)
        let radius = try Query.integer(query, "radius", default: 2, range: 0...50)
        guard let position = try await leaderboards.position(program: program.id, scope: scope, period: period, memberId: memberId) else {
            throw RallyError(.notFound, "member '\(memberId)' is not on the \(period.kind.rawValue) leaderboard \(period.key)")
        }
        let offset = max(0, position - radius)
        let limit = position + radius + 1 - offset
        let page = try await leaderboards.page(program: program.id, scope: scope, period: period, offset: offset, limit: limit)
        return JSONResponse.make(BoardBody(page: page, timeZone: program.timeZone, offset: offset, limit: limit), status: .ok)
    }

    /// `period` (default week) and `at` (a local date `2026-11-20` or an RFC 3339 instant; default now).
    /// `team` or `region` (one of them; empty means absent): the members a board ranks. Default: the whole program.
    static func scope(_ query: Parameters) throws -> BoardScope {
        let team = query["team"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let region = query["region"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        var problems = CallerText.problems(team, field: "team", maximumLength: MemberProfile.maximumTextLength)
            + CallerText.problems(region, field: "region", maximumLength: MemberProfile.maximumTextLength)
        if team != nil, region != nil {
            problems.append(FieldProblem(field: "region", problem: "give team or region, not both"))
        }
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        return team.map(BoardScope.team) ?? region.map(BoardScope.region) ?? .program
    }

    static func period(_ query: Parameters, program: ProgramContext) throws -> Period {
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

/// The JSON of leaderboard pages, reused while the page's revision is the same (busy boards are read far
/// more often than they change).
final class RenderedPages: Sendable {
    private let bodies = Mutex<[String: (revision: UInt64, bytes: [UInt8])]>([:])

    func body(of page: LeaderboardPage, key: String, render: () -> [UInt8]) -> [UInt8] {
        if let hit = bodies.withLock({ $0[key] }), hit.revision == page.revision { return hit.bytes }
        let bytes = render()
        bodies.withLock { bodies in
            if bodies.count >= 10_000 { bodies.removeAll(keepingCapacity: true) }
            bodies[key] = (page.revision, bytes)
        }
        return bytes
    }
}
