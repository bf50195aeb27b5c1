import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyCore
import RallyTestSupport
import Testing

/// A redemption as answered.
struct RedemptionDTO: Decodable, Equatable {
    var id: String
    var rewardId: String
    var memberId: String
    var cost: Int64
    var status: String
    var balance: Int64
    var createdAt: String
    var updatedAt: String
}

/// Rewards and redemptions against the real servers: spending moves the balance and never a board, each step is
/// audited, refused, retried and raced as the contract says.
@Suite("Rewards and redemptions")
struct RewardTests {
    static func putReward(_ program: TestProgram, _ id: String, _ body: String) async throws -> TestResponse {
        try await program.app.send(.put, "\(program.path)/rewards/\(id)", key: program.adminKey, body: body)
    }

    static func redeem(_ program: TestProgram, _ memberId: String, id: String, rewardId: String, key: String? = nil) async throws -> TestResponse {
        try await program.app.send(.post, "\(program.path)/members/\(memberId)/redemptions", key: key ?? program.ingestKey,
                                   body: #"{"id": "\#(id)", "rewardId": "\#(rewardId)"}"#)
    }

    static func step(_ program: TestProgram, _ id: String, _ step: String) async throws -> TestResponse {
        try await program.app.send(.post, "\(program.path)/redemptions/\(id)/\(step)", key: program.adminKey)
    }

    /// Gives each member `posts` posts of 25 points (the default rules).
    static func earn(_ program: TestProgram, _ members: [String], posts: Int) async throws {
        try await program.addMembers(members)
        for member in members {
            for index in 0..<posts { _ = try await program.record(EventInput(id: "\(member)-p\(index)", memberId: member, action: "post")) }
        }
    }

    @Test func aRedemptionSpendsTheBalanceAndNeverMovesABoard() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.earn(program, ["ana", "ben"], posts: 4)  // 100 points each
            let created = try await Self.putReward(program, "day-off", #"{"name": "A day off", "cost": 30, "stock": 5}"#)
            try requireStatus(created, .created)
            #expect(text(created) == #"{"id":"day-off","rewardId":"day-off","name":"A day off","cost":30,"stock":5,"active":true}"#)

            let first = try await Self.redeem(program, "ana", id: "r1", rewardId: "day-off")
            try requireStatus(first, .created)
            let r1 = try decode(RedemptionDTO.self, from: first)
            #expect((r1.id, r1.rewardId, r1.memberId, r1.cost, r1.status, r1.balance) == ("r1", "day-off", "ana", 30, "pending", 70))
            let retry = try await Self.redeem(program, "ana", id: "r1", rewardId: "day-off")
            try requireStatus(retry, .ok)
            #expect(text(retry) == text(first), "a retry answers the same")
            try expectError(try await Self.redeem(program, "ben", id: "r1", rewardId: "day-off"), .conflict, code: "conflict", fields: ["id"])

            let profile = try await program.profile("ana")
            #expect(profile.points == PointsDTO(lifetime: 100, week: 100, month: 100, balance: 70))
            #expect(try await Self.points(program) == ["ana": 100, "ben": 100])

            try requireStatus(try await Self.redeem(program, "ana", id: "r2", rewardId: "day-off"), .created)
            #expect(try decode(RedemptionDTO.self, from: try await Self.redeem(program, "ana", id: "r3", rewardId: "day-off")).balance == 10)
            try expectError(try await Self.redeem(program, "ana", id: "r4", rewardId: "day-off"), .conflict, code: "insufficient_points", fields: ["rewardId"])

            // Rejecting refunds the points and gives the unit back; the same step again changes nothing.
            let rejected = try decode(RedemptionDTO.self, from: try await Self.step(program, "r2", "reject"))
            #expect((rejected.status, rejected.balance) == ("rejected", 40))
            #expect(try decode(RedemptionDTO.self, from: try await Self.step(program, "r2", "reject")) == rejected)
            try expectError(try await Self.step(program, "r2", "fulfil"), .conflict, code: "conflict", fields: ["status"])
            #expect(try decode(RedemptionDTO.self, from: try await Self.step(program, "r1", "approve")).status == "approved")
            #expect(try decode(RedemptionDTO.self, from: try await Self.step(program, "r1", "fulfil")).status == "fulfilled")
            try expectError(try await Self.step(program, "r1", "reject"), .conflict, code: "conflict")
            try expectError(try await Self.step(program, "r9", "approve"), .notFound, code: "not_found")

            #expect(try await program.profile("ana").points == PointsDTO(lifetime: 100, week: 100, month: 100, balance: 40))
            let catalogue = try await app.send(.get, "\(program.path)/rewards", key: program.readKey)
            #expect(text(catalogue) == #"{"rewards":[{"id":"day-off","rewardId":"day-off","name":"A day off","cost":30,"stock":3,"active":true}]}"#)
            let pending = try decode(RedemptionPageDTO.self, from: try await app.send(.get, "\(program.path)/redemptions?status=pending",
                                                                                       key: program.adminKey))
            #expect(pending.redemptions.map { "\($0.id):\($0.balance)" } == ["r3:10"])
            let all = try decode(RedemptionPageDTO.self, from: try await app.send(.get, "\(program.path)/redemptions?limit=2", key: program.adminKey))
            #expect(all.redemptions.map { "\($0.id):\($0.status)" } == ["r1:fulfilled", "r2:rejected"])
            #expect(all.nextCursor == "r2")
            let rest = try await app.send(.get, "\(program.path)/redemptions?limit=2&cursor=r2", key: program.adminKey)
            #expect(try decode(RedemptionPageDTO.self, from: rest) == pending)

            let audit = try decode(AuditPageDTO.self, from: try await app.send(.get, "\(program.path)/audit", key: program.adminKey))
            #expect(audit.entries.reversed().filter { $0.target.hasPrefix("re") }.map { "\($0.action) \($0.target)" } == [
                "reward.saved rewards/day-off", "redemption.created redemptions/r1", "redemption.created redemptions/r2",
                "redemption.created redemptions/r3", "redemption.rejected redemptions/r2", "redemption.approved redemptions/r1",
                "redemption.fulfilled redemptions/r1",
            ])
            #expect(try await program.app.database.inconsistencies(program) == [])
            #expect(try await Self.points(program) == ["ana": 100, "ben": 100])
        }
    }

    @Test func badRewardsAndRedemptionsAreRefusedWithTheirField() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.earn(program, ["ana"], posts: 1)
            try expectError(try await Self.putReward(program, "x", #"{"name": "", "cost": 0, "stock": -1}"#), .unprocessableContent,
                            code: "validation_failed", fields: ["name", "cost", "stock"])
            try expectError(try await Self.putReward(program, "x", #"{"name": "Mug", "cost": "ten"}"#), .unprocessableContent,
                            code: "validation_failed", fields: ["cost"])
            try requireStatus(try await Self.putReward(program, "mug", #"{"name": "Mug", "cost": 10, "active": false}"#), .created)
            try requireStatus(try await Self.putReward(program, "pen", #"{"name": "Pen", "cost": 5, "stock": 0}"#), .created)
            try expectError(try await Self.redeem(program, "ana", id: "a", rewardId: "mug"), .conflict, code: "reward_inactive", fields: ["rewardId"])
            try expectError(try await Self.redeem(program, "ana", id: "a", rewardId: "pen"), .conflict, code: "out_of_stock", fields: ["rewardId"])
            try expectError(try await Self.redeem(program, "ana", id: "a", rewardId: "nothing"), .unprocessableContent, code: "validation_failed",
                            fields: ["rewardId"])
            try expectError(try await Self.redeem(program, "nobody", id: "a", rewardId: "pen"), .notFound, code: "not_found")
            try expectError(try await app.send(.post, "\(program.path)/members/ana/redemptions", key: program.ingestKey, body: #"{"id": "bad id!"}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["id", "rewardId"])
            try expectError(try await app.send(.get, "\(program.path)/redemptions?status=lost", key: program.adminKey), .unprocessableContent,
                            code: "validation_failed", fields: ["status"])
            // A refused redemption leaves nothing behind; the reward of another program is not this one's.
            let other = try await app.createProgram()
            try requireStatus(try await Self.putReward(other, "cap", #"{"name": "Cap", "cost": 1}"#), .created)
            try expectError(try await Self.redeem(program, "ana", id: "a", rewardId: "cap"), .unprocessableContent, code: "validation_failed")
            #expect(try await program.profile("ana").points.balance == 25)
            #expect(try decode(RedemptionPageDTO.self, from: try await app.send(.get, "\(program.path)/redemptions", key: program.adminKey)).redemptions == [])
        }
    }

    /// Each member's points on the all-time board (none listed with zero).
    static func points(_ program: TestProgram) async throws -> [String: Int64] {
        let entries = try await program.board(period: "all", limit: 100).entries.filter { $0.points != 0 }
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.memberId ?? "", $0.points) })
    }

    /// Sends `count` redemptions at once; their statuses and error codes.
    static func race(_ count: Int, _ send: @escaping @Sendable (Int) async throws -> TestResponse) async throws -> [(Int, String?)] {
        try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<count {
                group.addTask {
                    let response = try await send(index)
                    return (Int(response.status.code), (try? JSONDecoder().decode(ErrorDTO.self, from: Data(response.body.readableBytesView)))?.error.code)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func theLastUnitGoesToExactlyOneOfFiftyConcurrentRequests() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let members = (0..<50).map { "m\($0)" }
            try await program.addMembers(members)
            _ = try await program.recordBatch(members.map { EventInput(id: "\($0)-p", memberId: $0, action: "post") })
            try requireStatus(try await Self.putReward(program, "ticket", #"{"name": "Conference ticket", "cost": 20, "stock": 1}"#), .created)
            let answers = try await Self.race(50) { try await Self.redeem(program, "m\($0)", id: "t\($0)", rewardId: "ticket") }
            #expect(answers.filter { $0.0 == 201 }.count == 1)
            #expect(answers.filter { $0 == (409, "out_of_stock") }.count == 49)
            let catalogue = try jsonObject(try await app.send(.get, "\(program.path)/rewards", key: program.readKey))
            #expect((catalogue["rewards"] as? [[String: Any]])?.first?["stock"] as? Int == 0)
            #expect(try await program.app.database.inconsistencies(program) == [])
        }
    }

    @Test func aBalanceNeverGoesBelowZeroUnderConcurrency() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.earn(program, ["ana"], posts: 4)  // 100 points
            try requireStatus(try await Self.putReward(program, "mug", #"{"name": "Mug", "cost": 30}"#), .created)
            let answers = try await Self.race(50) { try await Self.redeem(program, "ana", id: "r\($0)", rewardId: "mug") }
            #expect(answers.filter { $0.0 == 201 }.count == 3)
            #expect(answers.filter { $0 == (409, "insufficient_points") }.count == 47)
            let refused = try await Self.race(50) { _ in try await Self.redeem(program, "ana", id: "same", rewardId: "mug") }
            #expect(refused.allSatisfy { $0 == (409, "insufficient_points") }, "a balance of 10 refuses every one")
            #expect(try await program.profile("ana").points.balance == 10)
            // The same id fifty times at once, with points to spend: made once, the others its retries.
            _ = try await program.record(EventInput(id: "more", memberId: "ana", action: "post"))
            let once = try await Self.race(50) { _ in try await Self.redeem(program, "ana", id: "same", rewardId: "mug") }
            #expect(once.filter { $0.0 == 201 }.count == 1)
            #expect(once.filter { $0.0 == 200 }.count == 49)
            #expect(try await program.profile("ana").points.balance == 5)
            #expect(try await program.app.database.inconsistencies(program) == [])
        }
    }

    @Test func eachStepReachesTheWebhooks() async throws {
        try await WebhookTests.withReceiver { inbox, url in
            try await TestApp.run(background: .milliseconds(100)) { app in
                let program = try await app.createProgram()
                try await Self.earn(program, ["ana"], posts: 2)
                try requireStatus(try await WebhookTests.putWebhook(program, url: url, events: ["redemption.created", "redemption.rejected",
                                                                                                "redemption.fulfilled"]), .created)
                try requireStatus(try await Self.putReward(program, "mug", #"{"name": "Mug", "cost": 20}"#), .created)
                try requireStatus(try await Self.redeem(program, "ana", id: "r1", rewardId: "mug"), .created)
                try requireStatus(try await Self.redeem(program, "ana", id: "r2", rewardId: "mug"), .created)
                try requireStatus(try await Self.step(program, "r1", "approve"), .ok)
                try requireStatus(try await Self.step(program, "r1", "fulfil"), .ok)
                try requireStatus(try await Self.step(program, "r2", "reject"), .ok)
                try await inbox.wait(for: 4)
                let seen = inbox.bodies.map { body -> String in
                    let data = body["data"] as? [String: Any] ?? [:]
                    return "\(body["type"] ?? "") \(data["redemptionId"] ?? "") \(data["status"] ?? "") \(data["balance"] ?? "")"
                }
                #expect(Set(seen) == ["redemption.created r1 pending 30", "redemption.created r2 pending 10",
                                      "redemption.fulfilled r1 fulfilled 30", "redemption.rejected r2 rejected 30"])
                #expect(inbox.requests.withLock { $0 }.allSatisfy { WebhookTests.signatureVerifies($0.signature, body: $0.body) })
            }
        }
    }

    /// Random streams of events, retractions, redemptions and admin steps, replayed through the pure decisions
    /// (`Redemptions`) on the points the answers gave: every answer, every balance and the board agree with the oracle.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomStreamsAgreeWithThePureDecisions(seed: UInt64) async throws {
        try await TestApp.run { app in
            var random = SeededRandom(state: seed)
            let program = try await app.createProgram()
            let members = ["ana", "ben", "cid"]
            try await program.addMembers(members)
            var rewards: [String: Reward] = [:]
            for (id, cost, stock) in [("mug", Int64(15), Int64?.none), ("ticket", 40, 2), ("pen", 5, 1)] {
                let stockText = stock.map(String.init) ?? "null"
                try requireStatus(try await Self.putReward(program, id, #"{"name": "\#(id)", "cost": \#(cost), "stock": \#(stockText)}"#), .created)
                rewards[id] = Reward(id: id, name: id, cost: cost, stock: stock, active: true)
            }
            var earned: [String: Int64] = [:], spent: [String: Int64] = [:]
            var events: [(id: String, member: String, points: Int64)] = []
            var redemptions: [(id: String, member: String, reward: String, status: RedemptionStatus)] = []
            var refusals = 0
            for step in 0..<150 {
                let member = random.pick(members)
                switch random.int(0...9) {
                case 0...4:
                    let answer = try await program.record(EventInput(id: "e\(step)", memberId: member, action: random.pick(["post", "share", "comment", "like"])))
                    earned[member, default: 0] += Int64(answer.points)
                    events.append(("e\(step)", member, Int64(answer.points)))
                case 5 where !events.isEmpty:
                    let event = events.remove(at: random.int(0...events.count - 1))
                    try requireStatus(try await RetractionTests.retract(program, event.id), .ok)
                    earned[event.member, default: 0] -= event.points
                case 5...7:
                    let rewardId = random.pick(rewards.keys.sorted())
                    let balance = Redemptions.balance(earned: earned[member, default: 0], spent: spent[member, default: 0])
                    let response = try await Self.redeem(program, member, id: "r\(step)", rewardId: rewardId)
                    switch Redemptions.redeem(rewards[rewardId]!, balance: balance) {
                    case let .success((after, stock)):
                        try requireStatus(response, .created)
                        #expect(try decode(RedemptionDTO.self, from: response).balance == after, "step \(step)")
                        spent[member, default: 0] += rewards[rewardId]!.cost
                        rewards[rewardId]!.stock = stock
                        redemptions.append(("r\(step)", member, rewardId, .pending))
                    case let .failure(refusal):
                        refusals += 1
                        let code = ["inactive": "reward_inactive", "outOfStock": "out_of_stock", "insufficientPoints": "insufficient_points"][refusal.rawValue]!
                        try expectError(response, .conflict, code: code)
                    }
                default:
                    guard !redemptions.isEmpty else { continue }
                    let index = random.int(0...redemptions.count - 1)
                    let action = random.pick(RedemptionStep.allCases)
                    let response = try await Self.step(program, redemptions[index].id, action.rawValue)
                    switch Redemptions.transition(from: redemptions[index].status, action) {
                    case let .moves(status, refund):
                        try requireStatus(response, .ok)
                        redemptions[index].status = status
                        if refund {
                            spent[redemptions[index].member, default: 0] -= rewards[redemptions[index].reward]!.cost
                            rewards[redemptions[index].reward]!.stock? += 1
                        }
                    case .unchanged: try requireStatus(response, .ok)
                    case .refused: try expectError(response, .conflict, code: "conflict")
                    }
                }
            }
            for member in members {
                let points = try await program.profile(member).points
                #expect(points.lifetime == earned[member, default: 0], "\(member)")
                #expect(points.balance == earned[member, default: 0] - spent[member, default: 0], "\(member)")
            }
            let catalogue = try decode(RewardListDTO.self, from: try await app.send(.get, "\(program.path)/rewards", key: program.readKey))
            #expect(Dictionary(uniqueKeysWithValues: catalogue.rewards.map { ($0.rewardId, $0.stock) }) == rewards.mapValues(\.stock))
            #expect(try await Self.points(program) == earned.filter { $0.value != 0 })
            #expect(try await program.app.database.inconsistencies(program) == [])
            #expect(redemptions.count > 3 && refusals > 0, "the stream redeemed and was refused (seed \(seed))")
        }
    }
}

struct RedemptionPageDTO: Decodable, Equatable {
    var redemptions: [RedemptionDTO]
    var nextCursor: String?
}

struct RewardListDTO: Decodable {
    struct Item: Decodable {
        var rewardId: String
        var stock: Int64?
    }

    var rewards: [Item]
}
