import Testing
@testable import RallyCore

@Suite struct RedemptionTests {
    static let mug = Reward(id: "mug", name: "Mug", cost: 30, stock: 2, active: true)

    @Test func aRedemptionSpendsTheCostAndOneUnit() throws {
        let (balance, stock) = try Redemptions.redeem(Self.mug, balance: 30).get()
        #expect(balance == 0)
        #expect(stock == 1)
        var unlimited = Self.mug
        unlimited.stock = nil
        #expect(try Redemptions.redeem(unlimited, balance: 100).get().stock == nil)
    }

    @Test func refusalsComeInactiveFirstThenStockThenPoints() {
        var reward = Self.mug
        #expect(Redemptions.redeem(reward, balance: 29).failure == .insufficientPoints)
        reward.stock = 0
        #expect(Redemptions.redeem(reward, balance: 29).failure == .outOfStock)
        reward.active = false
        #expect(Redemptions.redeem(reward, balance: 29).failure == .inactive)
        #expect(Redemptions.redeem(Self.mug, balance: -5).failure == .insufficientPoints, "a balance a retraction made negative")
    }

    @Test func stepsMoveAlongTheirTable() {
        let table: [(RedemptionStatus, RedemptionStep, Redemptions.Transition)] = [
            (.pending, .approve, .moves(to: .approved, refund: false)),
            (.pending, .reject, .moves(to: .rejected, refund: true)),
            (.pending, .fulfil, .moves(to: .fulfilled, refund: false)),
            (.approved, .approve, .unchanged),
            (.approved, .reject, .moves(to: .rejected, refund: true)),
            (.approved, .fulfil, .moves(to: .fulfilled, refund: false)),
            (.rejected, .approve, .refused), (.rejected, .reject, .unchanged), (.rejected, .fulfil, .refused),
            (.fulfilled, .approve, .refused), (.fulfilled, .reject, .refused), (.fulfilled, .fulfil, .unchanged),
        ]
        for (status, step, expected) in table {
            #expect(Redemptions.transition(from: status, step) == expected, "\(status) \(step)")
        }
    }

    @Test func aRewardDraftNamesEachProblem() {
        #expect(RewardDraft(name: "Mug", cost: 30, stock: nil, active: nil).validated(id: "mug")
            == .success(Reward(id: "mug", name: "Mug", cost: 30, stock: nil, active: true)))
        let problems = RewardDraft(name: nil, cost: 0, stock: -1, active: false).validated(id: "mug").failure?.problems.map(\.field)
        #expect(problems == ["name", "cost", "stock"])
        #expect(RewardDraft(name: "Mug", cost: nil, stock: 1_000_000_001, active: nil).validated(id: "m").failure?.problems.map(\.field) == ["cost", "stock"])
    }
}

private extension Result {
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
