import Foundation
import Hummingbird
import RallyCore
import RallyStore

/// `/v1/programs/{programId}/members`: employees, their profile and point history.
struct MemberController {
    let authorization: Authorization
    let members: MemberStore

    struct MemberInput: Decodable {
        var displayName: String?
        var team: String?
        var region: String?
        var enrolled: Bool?
        var audience: [String: Int]?
        var visibility: String?
    }

    struct PointsBody: Encodable {
        var lifetime: Int64
        var week: Int64
        var month: Int64
    }

    /// Ranks with explicit nulls where the member is not on a board.
    struct RanksBody: Encodable {
        enum CodingKeys: String, CodingKey { case week, month, all }

        var week: Int?
        var month: Int?
        var all: Int?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(week, forKey: .week)
            try container.encode(month, forKey: .month)
            try container.encode(all, forKey: .all)
        }

        init(_ ranks: PeriodRanks) {
            week = ranks.week
            month = ranks.month
            all = ranks.all
        }
    }

    struct BadgeBody: Encodable {
        var badgeId: String
        var awardedAt: String
    }

    struct ProfileBody: Encodable {
        var memberId: String
        var displayName: String?
        var team: String?
        var region: String?
        var enrolled: Bool
        var visibility: String
        var audience: [String: Int]
        var points: PointsBody
        var badges: [BadgeBody]
        var ranks: RanksBody
    }

    struct LedgerEntryBody: Encodable {
        var id: String
        var eventId: String
        var action: String
        var points: Int
        var reason: String
        var occurredAt: String
        var recordedAt: String
    }

    struct LedgerBody: Encodable {
        enum CodingKeys: String, CodingKey { case entries, nextCursor }

        var entries: [LedgerEntryBody]
        var nextCursor: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(entries, forKey: .entries)
            try container.encode(nextCursor, forKey: .nextCursor)
        }
    }

    var endpoints: RouteCollection<RallyRequestContext> {
        let routes = RouteCollection(context: RallyRequestContext.self)
        routes.put(":memberId", use: upsert)
        routes.get(":memberId", use: show)
        routes.get(":memberId/ledger", use: ledger)
        return routes
    }

    @Sendable func upsert(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.ingest])
        let memberId = try context.parameters.require("memberId")
        let input = try await JSONBody.decode(MemberInput.self, from: request, context: context)
        let visibility = input.visibility.map { Visibility(rawValue: $0) } ?? .public
        guard let visibility else {
            throw RallyError.validation([FieldProblem(field: "visibility", problem: "must be one of public, anonymous, hidden")])
        }
        let profile = MemberProfile(displayName: input.displayName, team: input.team, region: input.region,
                                    enrolled: input.enrolled ?? true, audience: input.audience ?? [:], visibility: visibility)
        let created = try await members.upsert(program: program.id, memberId: memberId, profile: profile)
        let member = try await members.member(program, memberId: memberId)
        return try JSONResponse.make(Self.body(member), status: created ? .created : .ok)
    }

    @Sendable func show(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.read])
        let member = try await members.member(program, memberId: try context.parameters.require("memberId"))
        return try JSONResponse.make(Self.body(member), status: .ok)
    }

    @Sendable func ledger(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(try context.parameters.require("programId"), for: request, roles: [.read])
        let limit = try Query.integer(request, "limit", default: 50, range: 1...200)
        let cursor: Int64?
        if let text = request.uri.queryParameters["cursor"].map(String.init) {
            guard let value = Int64(text), value > 0 else {
                throw RallyError.validation([FieldProblem(field: "cursor", problem: "must be a nextCursor value from a previous page")])
            }
            cursor = value
        } else {
            cursor = nil
        }
        let (entries, next) = try await members.ledger(program: program.id, memberId: try context.parameters.require("memberId"),
                                                      limit: limit, before: cursor)
        let body = LedgerBody(entries: entries.map {
            LedgerEntryBody(id: String($0.id), eventId: $0.eventId, action: $0.action, points: $0.points, reason: $0.kind,
                            occurredAt: RFC3339.format($0.occurredAt, in: program.timeZone),
                            recordedAt: RFC3339.format($0.recordedAt, in: program.timeZone))
        }, nextCursor: next.map(String.init))
        return try JSONResponse.make(body, status: .ok)
    }

    static func body(_ member: Member) -> ProfileBody {
        ProfileBody(memberId: member.id, displayName: member.profile.displayName, team: member.profile.team, region: member.profile.region,
                    enrolled: member.profile.enrolled, visibility: member.profile.visibility.rawValue, audience: member.profile.audience,
                    points: PointsBody(lifetime: member.points.lifetime, week: member.points.week, month: member.points.month),
                    badges: [], ranks: RanksBody(member.ranks))
    }
}

/// Query-string parameters, validated with the field at fault.
enum Query {
    static func integer(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[name[...]] else { return value }
        guard let parsed = Int(String(text)), range.contains(parsed) else {
            throw RallyError.validation([FieldProblem(field: name, problem: "must be an integer from \(range.lowerBound) to \(range.upperBound)")])
        }
        return parsed
    }
}
