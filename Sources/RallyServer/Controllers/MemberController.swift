import Foundation
import Hummingbird
import RallyCore
import RallyLedger
import RallyStorage

/// `/v1/programs/{programId}/members`: employees, their profile and point history.
struct MemberController {
    let members: MemberStore
    let challenges: ChallengeStore

    struct BatchInput: Decodable {
        var members: [MemberInput]
    }

    static let maximumBatch = 1000

    /// What a batch did to one member.
    struct OutcomeBody: JSONWritable {
        var memberId: String
        var outcome: MemberStore.UpsertOutcome

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("memberId", memberId)
                json.field("outcome", outcome.rawValue)
            }
        }
    }

    struct PointsBody: JSONWritable {
        var lifetime: Int64
        var week: Int64
        var month: Int64
        /// The profile's only: what the member may spend on rewards.
        var balance: Int64? = nil

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("lifetime", lifetime)
                json.field("week", week)
                json.field("month", month)
                if let balance { json.field("balance", balance) }
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
        /// Under the rules in force now; nil when they have no levels.
        var level: LevelProgress?
        /// The challenges under way that count the member.
        var challenges: [ChallengeView]
        var timeZone: TimeZone

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
                json.field("points", PointsBody(lifetime: member.points.lifetime, week: member.points.week, month: member.points.month,
                                                  balance: member.balance))
                json.key("level")
                if let level {
                    json.object { json in
                        json.field("name", level.level.name)
                        json.field("minPoints", level.level.minPoints)
                        json.key("next")
                        if let next = level.next {
                            json.object { json in
                                json.field("name", next.name)
                                json.field("minPoints", next.minPoints)
                            }
                        } else {
                            json.null()
                        }
                        json.field("pointsToNext", level.pointsToNext)
                    }
                } else {
                    json.null()
                }
                json.field("badges", member.badges.map { EarnedBadgeBody(badge: $0, timeZone: timeZone, detailed: true) })
                json.key("streaks")
                json.array(member.streaks) { json, entry in
                    json.object { json in
                        json.field("badgeId", entry.badgeId)
                        json.field("current", entry.streak.current)
                        json.field("best", entry.streak.best)
                        json.field("lastUnit", entry.streak.lastUnit.map(PeriodCalendar.dayKey))
                    }
                }
                json.field("ranks", RanksBody(member.ranks))
                json.key("challenges")
                json.array(challenges) { json, view in
                    json.object { json in
                        json.field("id", view.challenge.id)
                        json.field("name", view.challenge.name)
                        json.field("target", view.challenge.target)
                        json.field("progress", view.standing.progress)
                        json.field("reached", view.reachedAt != nil)
                        json.field("to", RFC3339.format(view.challenge.to, in: timeZone))
                        json.field("value", view.values[member.id] ?? 0)
                    }
                }
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
                        json.field("rulesVersion", entry.rulesVersion)
                        json.field("breakdown", entry.breakdown.map(AwardLineBody.init))
                        json.field("occurredAt", RFC3339.format(entry.occurredAt, in: timeZone))
                        json.field("recordedAt", RFC3339.format(entry.recordedAt, in: timeZone))
                    }
                }
                json.field("nextCursor", nextCursor.map(String.init))
            }
        }
    }

    var routes: [Route] {
        [
            Route(.post, "batch", .program([.ingest]), upsertBatch),
            Route(.put, ":memberId", .program([.ingest]), upsert),
            Route(.get, ":memberId", .program([.read]), show),
            Route(.delete, ":memberId", .program([.admin]), erase),
            Route(.get, ":memberId/export", .program([.admin]), export),
            Route(.get, ":memberId/ledger", .program([.read]), ledger),
        ]
    }

    @Sendable func upsert(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let memberId = try context.parameters.require("memberId")
        let input = try await JSONBody.decode(MemberInput.self, from: request, context: context)
        var problems = Identifier.problems(memberId, field: "memberId") + input.problems
        if let given = input.memberId, given != memberId {
            problems.append(FieldProblem(field: "memberId", problem: "must be the member id of the path, or left out"))
        }
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        let outcome = try await members.upsert(program: program.id, [(memberId, input.profile)])[0]
        return JSONResponse.make(try await profile(program, memberId), status: outcome == .created ? .created : .ok)
    }

    /// Up to 1000 members at once (an HR directory sync): one result per item, in order; a bad item fails alone.
    @Sendable func upsertBatch(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let input = try await JSONBody.decode(BatchInput.self, from: request, context: context)
        guard (1...Self.maximumBatch).contains(input.members.count) else {
            throw RallyError.validation([FieldProblem(field: "members", problem: "must hold 1 to \(Self.maximumBatch) members, got \(input.members.count)")])
        }
        var results = [BatchItemBody<OutcomeBody>?](repeating: nil, count: input.members.count)
        var valid: [(index: Int, memberId: String, profile: MemberProfile)] = []
        var seen: Set<String> = []
        for (index, item) in input.members.enumerated() {
            var problems = item.problems
            if let memberId = item.memberId {
                problems = Identifier.problems(memberId, field: "memberId") + problems
                if !seen.insert(memberId).inserted {
                    problems.append(FieldProblem(field: "memberId", problem: "appears more than once in this batch"))
                }
            } else if !problems.contains(where: { $0.field == "memberId" || $0.field.isEmpty }) {
                problems.insert(FieldProblem(field: "memberId", problem: "is required"), at: 0)
            }
            if problems.isEmpty, let memberId = item.memberId {
                valid.append((index, memberId, item.profile))
            } else {
                results[index] = .failure(idField: "memberId", id: item.memberId, RallyError.validation(problems).located(at: index, in: "members"),
                                          requestId: context.id)
            }
        }
        let outcomes = try await members.upsert(program: program.id, valid.map { ($0.memberId, $0.profile) })
        for (item, outcome) in zip(valid, outcomes) { results[item.index] = .success(OutcomeBody(memberId: item.memberId, outcome: outcome)) }
        return JSONResponse.make(BatchBody(results: results.compactMap { $0 }), status: .ok)
    }

    @Sendable func show(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        return JSONResponse.make(try await profile(program, try context.pathIdentifier("memberId")), status: .ok)
    }

    /// The member's profile: points, level under the rules in force now, badges, streaks, ranks, the challenges under way.
    func profile(_ program: ProgramContext, _ memberId: String) async throws -> ProfileBody {
        let member = try await members.member(program, memberId: memberId)
        return ProfileBody(member: member, level: program.rules.inForce(at: Date()).level(forLifetimePoints: member.points.lifetime),
                           challenges: try await challenges.underWay(program: program.id, team: member.profile.team, region: member.profile.region),
                           timeZone: program.timeZone)
    }

    /// Erasure: 204, the person gone (`MemberStore.erase`).
    @Sendable func erase(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        try await members.erase(program: program.id, memberId: try context.pathIdentifier("memberId"), actor: context.actor)
        context.logger.info("member erased", metadata: ["program": "\(program.id)"])
        return Response(status: .noContent)
    }

    /// Everything held on the member, as one JSON document (`MemberStore.export`).
    @Sendable func export(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let document = try await members.export(program: program.id, memberId: try context.pathIdentifier("memberId"))
        return JSONResponse.make(bytes: Array(document.utf8), status: .ok)
    }

    @Sendable func ledger(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let limit = try query.integer("limit", default: 50, range: 1...200)
        let cursor = try query.cursor()
        let (entries, next) = try await members.ledger(program: program.id, memberId: try context.pathIdentifier("memberId"),
                                                      limit: limit, before: cursor)
        return JSONResponse.make(LedgerBody(entries: entries, nextCursor: next, timeZone: program.timeZone), status: .ok)
    }

}
