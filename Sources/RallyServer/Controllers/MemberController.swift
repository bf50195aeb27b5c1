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

    struct PointsBody: JSONWritable {
        var lifetime: Int64
        var week: Int64
        var month: Int64

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("lifetime", lifetime)
                json.field("week", week)
                json.field("month", month)
            }
        }
    }

    /// Ranks with explicit nulls where the member is not on a board.
    struct RanksBody: JSONWritable {
        var ranks: PeriodRanks

        init(_ ranks: PeriodRanks) {
            self.ranks = ranks
        }

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("week", ranks.week)
                json.field("month", ranks.month)
                json.field("all", ranks.all)
            }
        }
    }

    struct ProfileBody: JSONWritable {
        var member: Member

        func write(to json: inout JSONWriter) {
            let profile = member.profile
            json.object { json in
                json.field("memberId", member.id)
                json.optionalField("displayName", profile.displayName)
                json.optionalField("team", profile.team)
                json.optionalField("region", profile.region)
                json.field("enrolled", profile.enrolled)
                json.field("visibility", profile.visibility.rawValue)
                json.field("audience", object: { json in
                    for (network, size) in profile.audience.sorted(by: { $0.key < $1.key }) { json.field(network, size) }
                })
                json.field("points", PointsBody(lifetime: member.points.lifetime, week: member.points.week, month: member.points.month))
                json.key("badges")
                json.emptyArray()
                json.field("ranks", RanksBody(member.ranks))
            }
        }
    }

    struct LedgerBody: JSONWritable {
        var entries: [LedgerEntry]
        var nextCursor: Int64?
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("entries")
                json.array(entries) { json, entry in
                    json.object { json in
                        json.field("id", String(entry.id))
                        json.field("eventId", entry.eventId)
                        json.field("action", entry.action)
                        json.field("points", entry.points)
                        json.field("reason", entry.kind)
                        json.field("occurredAt", RFC3339.format(entry.occurredAt, in: timeZone))
                        json.field("recordedAt", RFC3339.format(entry.recordedAt, in: timeZone))
                    }
                }
                json.field("nextCursor", nextCursor.map(String.init))
            }
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
        let program = try await authorization.program(of: request, context: context, roles: [.ingest])
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
        return JSONResponse.make(ProfileBody(member: member), status: created ? .created : .ok)
    }

    @Sendable func show(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.read])
        let member = try await members.member(program, memberId: try context.pathIdentifier("memberId"))
        return JSONResponse.make(ProfileBody(member: member), status: .ok)
    }

    @Sendable func ledger(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await authorization.program(of: request, context: context, roles: [.read])
        let query = request.uri.queryParameters
        let limit = try Query.integer(query, "limit", default: 50, range: 1...200)
        let cursor: Int64?
        if let text = query["cursor"].map(String.init) {
            guard let value = Int64(text), value > 0 else {
                throw RallyError.validation([FieldProblem(field: "cursor", problem: "must be a nextCursor value from a previous page")])
            }
            cursor = value
        } else {
            cursor = nil
        }
        let (entries, next) = try await members.ledger(program: program.id, memberId: try context.pathIdentifier("memberId"),
                                                      limit: limit, before: cursor)
        return JSONResponse.make(LedgerBody(entries: entries, nextCursor: next, timeZone: program.timeZone), status: .ok)
    }

}

/// Query-string parameters, validated with the field at fault.
enum Query {
    static func integer(_ query: Parameters, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = query[name[...]] else { return value }
        guard let parsed = Int(String(text)), range.contains(parsed) else {
            throw RallyError.validation([FieldProblem(field: name, problem: "must be an integer from \(range.lowerBound) to \(range.upperBound)")])
        }
        return parsed
    }
}
