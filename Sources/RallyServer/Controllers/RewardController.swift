import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// `/v1/programs/{programId}/rewards` (the catalogue), `…/members/{memberId}/redemptions` (spending a member's points)
/// and `…/redemptions` (the admins' review queue and its steps).
struct RewardController {
    let rewards: RewardStore

    struct RewardInput: Decodable {
        var draft = RewardDraft(name: nil, cost: nil, stock: nil, active: nil)
        var problems: [FieldProblem] = []

        enum CodingKeys: String, CodingKey {
            case name, cost, stock, active
        }

        init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: CodingKeys.self) else {
                problems.append(FieldProblem(field: "", problem: "a reward must be a JSON object"))
                return
            }
            func field<T: Decodable>(_ key: CodingKeys, _ type: T.Type) -> T? { container.field(key, type, problems: &problems) }
            draft = RewardDraft(name: field(.name, String.self), cost: field(.cost, Int64.self), stock: field(.stock, Int64.self),
                                active: field(.active, Bool.self))
        }
    }

    struct RedemptionInput: Decodable {
        var id: String?
        var rewardId: String?
        var problems: [FieldProblem] = []

        enum CodingKeys: String, CodingKey {
            case id, rewardId
        }

        init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: CodingKeys.self) else {
                problems.append(FieldProblem(field: "", problem: "a redemption must be a JSON object"))
                return
            }
            id = container.field(.id, String.self, problems: &problems)
            rewardId = container.field(.rewardId, String.self, problems: &problems)
            for (name, value) in [("id", id), ("rewardId", rewardId)] {
                if let value { problems += Identifier.problems(value, field: name) } else { problems.append(FieldProblem(field: name, problem: "is required")) }
            }
        }
    }

    struct RewardBody: JSONWritable {
        var reward: Reward

        func write(to json: inout JSONWriter) {
            json.object { json in
                // `id`, as challenges and redemptions answer theirs; `rewardId`, as redemptions name it.
                json.field("id", reward.id)
                json.field("rewardId", reward.id)
                json.field("name", reward.name)
                json.field("cost", reward.cost)
                json.field("stock", reward.stock)
                json.field("active", reward.active)
            }
        }
    }

    struct RedemptionBody: JSONWritable {
        var redemption: Redemption
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", redemption.id)
                json.field("rewardId", redemption.rewardId)
                json.field("memberId", redemption.memberId)
                json.field("cost", redemption.cost)
                json.field("status", redemption.status.rawValue)
                json.field("balance", redemption.balance)
                json.field("createdAt", RFC3339.format(redemption.createdAt, in: timeZone))
                json.field("updatedAt", RFC3339.format(redemption.updatedAt, in: timeZone))
            }
        }
    }

    /// Mounted at `/v1/programs/:programId`.
    var routes: [Route] {
        [
            Route(.get, "rewards", .program([.read]), list),
            Route(.put, "rewards/:rewardId", .program([.admin]), put),
            Route(.post, "members/:memberId/redemptions", .program([.ingest]), redeem),
            Route(.get, "redemptions", .program([.admin]), redemptions),
        ] + RedemptionStep.allCases.map { step in
            Route(.post, "redemptions/:redemptionId/\(step.rawValue)", .program([.admin])) { request, context in
                try await take(step, request, context: context)
            }
        }
    }

    /// Creates (201) or replaces (200) a reward.
    @Sendable func put(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let rewardId = try context.pathIdentifier("rewardId")
        let input = try await JSONBody.decode(RewardInput.self, from: request, context: context)
        guard input.problems.isEmpty else { throw RallyError.validation(input.problems) }
        let reward = try input.draft.validated(id: rewardId).mapError { RallyError.validation($0.problems) }.get()
        let (stored, created) = try await rewards.put(program: program.id, reward, actor: context.actor)
        context.logger.info("reward \(created ? "created" : "changed")", metadata: ["program": "\(program.id)", "reward": "\(rewardId)"])
        return JSONResponse.make(RewardBody(reward: stored), status: created ? .created : .ok)
    }

    @Sendable func list(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let list = try await rewards.list(program: program.id)
        return JSONResponse.make(ListBody(name: "rewards", items: list.map { RewardBody(reward: $0) }), status: .ok)
    }

    /// Spends the member's points on a reward: 201 when made now, 200 with the same answer for a retry of its id.
    @Sendable func redeem(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let memberId = try context.pathIdentifier("memberId")
        let input = try await JSONBody.decode(RedemptionInput.self, from: request, context: context)
        guard input.problems.isEmpty, let id = input.id, let rewardId = input.rewardId else { throw RallyError.validation(input.problems) }
        switch try await rewards.redeem(program: program, memberId: memberId, id: id, rewardId: rewardId, actor: context.actor) {
        case let .created(redemption):
            context.logger.info("redemption made", metadata: ["program": "\(program.id)", "redemption": "\(id)", "reward": "\(rewardId)"])
            return JSONResponse.make(RedemptionBody(redemption: redemption, timeZone: program.timeZone), status: .created)
        case let .duplicate(redemption):
            return JSONResponse.make(RedemptionBody(redemption: redemption, timeZone: program.timeZone), status: .ok)
        }
    }

    /// The review queue: oldest first, `status` and `memberId` optional filters, `limit` 1-500 (default 100), `cursor`.
    @Sendable func redemptions(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let status: RedemptionStatus? = try query.choice("status")
        let (page, next) = try await rewards.redemptions(program: program.id, status: status, memberId: try query.identifier("memberId"),
                                                         limit: try query.integer("limit", default: 100, range: 1...500),
                                                         after: try query.identifier("cursor"))
        return JSONResponse.make(PageBody(name: "redemptions", items: page.map { RedemptionBody(redemption: $0, timeZone: program.timeZone) },
                                          nextCursor: next), status: .ok)
    }

    /// Approves, rejects (refunds) or fulfils a redemption; the same step again answers 200 with nothing changed.
    func take(_ step: RedemptionStep, _ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let id = try context.pathIdentifier("redemptionId")
        let (redemption, changed) = try await rewards.take(step, program: program, id: id, actor: context.actor)
        if changed {
            context.logger.info("redemption \(redemption.status.rawValue)", metadata: ["program": "\(program.id)", "redemption": "\(id)"])
        }
        return JSONResponse.make(RedemptionBody(redemption: redemption, timeZone: program.timeZone), status: .ok)
    }
}
