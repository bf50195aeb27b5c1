import Foundation
import Hummingbird
import RallyCore
import RallyStore

/// `/v1/programs/{programId}/leaderboards`: live member boards from Redis.
struct LeaderboardController {
    let authorization: Authorization
    let leaderboards: Leaderboards

    struct PeriodBody: Encodable {
        enum CodingKeys: String, CodingKey { case kind, key, start, end }

        var kind: String
        var key: String
        var start: String?
        var end: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(key, forKey: .key)
            try container.encode(start, forKey: .start)
            try container.encode(end, forKey: .end)
        }
    }

    struct EntryBody: Encodable {
        enum CodingKeys: String, CodingKey { case rank, memberId, displayName, team, points }

        var rank: Int
        var memberId: String?
        var displayName: String?
        var team: String?
        var points: Int64

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rank, forKey: .rank)
            try container.encode(memberId, forKey: .memberId)
            try container.encode(displayName, forKey: .displayName)
            try container.encode(team, forKey: .team)
            try container.encode(points, forKey: .points)
        }
    }

    struct BoardBody: Encodable {
        var period: PeriodBody
        var total: Int
        var offset: Int
        var limit: Int
        var entries: [EntryBody]
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
        return try JSONResponse.make(Self.body(page, program: program, offset: offset, limit: limit), status: .ok)
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
        return try JSONResponse.make(Self.body(page, program: program, offset: offset, limit: limit), status: .ok)
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

    static func body(_ page: LeaderboardPage, program: ProgramContext, offset: Int, limit: Int) -> BoardBody {
        BoardBody(
            period: PeriodBody(kind: page.period.kind.rawValue, key: page.period.key,
                               start: page.period.start.map { RFC3339.format($0, in: program.timeZone) },
                               end: page.period.end.map { RFC3339.format($0, in: program.timeZone) }),
            total: page.total, offset: offset, limit: limit,
            entries: page.entries.map { EntryBody(rank: $0.rank, memberId: $0.memberId, displayName: $0.displayName, team: $0.team, points: $0.points) })
    }
}
