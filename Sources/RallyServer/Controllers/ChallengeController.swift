import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// `/v1/programs/{programId}/challenges`: collective goals HR sets (admin) and their progress, live (read).
struct ChallengeController {
    let challenges: ChallengeStore
    let programs: ProgramStore

    struct ChallengeBody: JSONWritable {
        var view: ChallengeView
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            let challenge = view.challenge
            json.object { json in
                json.field("id", challenge.id)
                json.field("name", challenge.name)
                json.field("scope", object: { json in
                    switch challenge.scope {
                    case .program: break
                    case let .team(team): json.field("team", team)
                    case let .region(region): json.field("region", region)
                    }
                })
                json.field("metric", object: { json in
                    switch challenge.metric {
                    case let .action(action): json.field("action", action)
                    case .points: json.field("points", true)
                    }
                })
                json.field("target", challenge.target)
                json.field("from", RFC3339.format(challenge.from, in: timeZone))
                json.field("to", RFC3339.format(challenge.to, in: timeZone))
                json.field("badgeId", challenge.badgeId)
                json.field("progress", view.standing.progress)
                json.field("reached", view.reachedAt != nil)
                json.field("reachedAt", view.reachedAt.map { RFC3339.format($0, in: timeZone) })
                json.field("contributors", view.standing.contributors)
                json.key("top")
                json.array(view.standing.top) { json, contribution in
                    let shown = view.shown[contribution.memberId] ?? nil
                    json.object { json in
                        json.field("memberId", shown?.memberId)
                        json.field("displayName", shown?.displayName)
                        json.field("value", contribution.value)
                    }
                }
            }
        }
    }

    var routes: [Route] {
        [
            Route(.get, "", .program([.read]), list),
            Route(.get, ":challengeId", .program([.read]), show),
            Route(.put, ":challengeId", .program([.admin]), put),
        ]
    }

    /// Creates (201) or replaces (200) a challenge; a 422 names every problem, and nothing changes then.
    @Sendable func put(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try await programs.fresh(try context.requireProgram().id)
        let challengeId = try context.pathIdentifier("challengeId")
        let document = try await JSONBody.decode(JSONValue.self, from: request, context: context)
        let badges = Set(program.badges.filter { $0.criteria == .challenge }.map(\.id))
        let challenge = try Challenge.parse(document, id: challengeId, knownActions: program.rules.knownActions, challengeBadges: badges)
            .mapError { RallyError.validation($0.problems) }.get()
        let (view, created) = try await challenges.put(program: program.id, challenge, actor: context.actor)
        context.logger.info("challenge \(created ? "created" : "changed")", metadata: ["program": "\(program.id)", "challenge": "\(challengeId)"])
        return JSONResponse.make(ChallengeBody(view: view, timeZone: program.timeZone), status: created ? .created : .ok)
    }

    @Sendable func list(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let views = try await challenges.list(program: program.id)
        return JSONResponse.make(ListBody(name: "challenges", items: views.map { ChallengeBody(view: $0, timeZone: program.timeZone) }),
                                 status: .ok)
    }

    @Sendable func show(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let view = try await challenges.view(program: program.id, id: try context.pathIdentifier("challengeId"))
        return JSONResponse.make(ChallengeBody(view: view, timeZone: program.timeZone), status: .ok)
    }
}
