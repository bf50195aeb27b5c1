/// A reward of a program's catalogue: what it costs, how many units are left (nil: no limit), and whether members may
/// redeem it now.
public struct Reward: Sendable, Equatable {
    public var id: String
    public var name: String
    public var cost: Int64
    public var stock: Int64?
    public var active: Bool

    public init(id: String, name: String, cost: Int64, stock: Int64?, active: Bool) {
        self.id = id
        self.name = name
        self.cost = cost
        self.stock = stock
        self.active = active
    }

    public static let costs: ClosedRange<Int64> = 1...1_000_000_000
    public static let stocks: ClosedRange<Int64> = 0...1_000_000_000
    public static let maximumNameLength = 200
}

/// A reward as an admin sent it, before validation.
public struct RewardDraft: Sendable, Equatable {
    public var name: String?
    public var cost: Int64?
    public var stock: Int64?
    public var active: Bool?

    public init(name: String?, cost: Int64?, stock: Int64?, active: Bool?) {
        self.name = name
        self.cost = cost
        self.stock = stock
        self.active = active
    }

    /// The reward, or every problem found: a name, a cost of at least one point; `stock` left out means no limit,
    /// `active` left out means active.
    public func validated(id: String) -> Result<Reward, ValidationFailure> {
        var problems: [FieldProblem] = []
        if let name {
            problems += CallerText.problems(name, field: "name", maximumLength: Reward.maximumNameLength)
        } else {
            problems.append(FieldProblem(field: "name", problem: "is required"))
        }
        if let cost, !Reward.costs.contains(cost) {
            problems.append(FieldProblem(field: "cost", problem: "must be a whole number of points from 1 to \(Reward.costs.upperBound)"))
        } else if cost == nil {
            problems.append(FieldProblem(field: "cost", problem: "is required"))
        }
        if let stock, !Reward.stocks.contains(stock) {
            problems.append(FieldProblem(field: "stock", problem: "must be a whole number from 0 to \(Reward.stocks.upperBound), or null for no limit"))
        }
        guard problems.isEmpty, let name, let cost else { return .failure(ValidationFailure(problems: problems)) }
        return .success(Reward(id: id, name: name, cost: cost, stock: stock, active: active ?? true))
    }
}

/// Where a redemption stands. `pending` until an admin approves, rejects or fulfils it; `rejected` and `fulfilled` are
/// final.
public enum RedemptionStatus: String, Sendable, CaseIterable {
    case pending, approved, rejected, fulfilled
}

/// What an admin does to a redemption.
public enum RedemptionStep: String, Sendable, CaseIterable {
    case approve, reject, fulfil

    /// The status the step leads to.
    public var status: RedemptionStatus {
        switch self {
        case .approve: .approved
        case .reject: .rejected
        case .fulfil: .fulfilled
        }
    }
}

/// Why a member may not redeem a reward now.
public enum RedemptionRefusal: String, Error, Sendable, Equatable {
    case inactive, outOfStock, insufficientPoints
}

/// The decisions about points spent on rewards, pure: the store loads, asks, and writes what they say.
public enum Redemptions {
    /// A member's balance: what they earned (lifetime points) less what they spent net.
    public static func balance(earned: Int64, spent: Int64) -> Int64 { earned - spent }

    /// Whether a member holding `balance` points may redeem `reward` now, and if so their balance and the reward's stock
    /// afterwards. An inactive reward is refused first, then one out of stock, then one the balance does not cover.
    public static func redeem(_ reward: Reward, balance: Int64) -> Result<(balance: Int64, stock: Int64?), RedemptionRefusal> {
        guard reward.active else { return .failure(.inactive) }
        if let stock = reward.stock, stock <= 0 { return .failure(.outOfStock) }
        guard balance >= reward.cost else { return .failure(.insufficientPoints) }
        return .success((balance - reward.cost, reward.stock.map { $0 - 1 }))
    }

    /// What taking `step` on a redemption in `status` does.
    public enum Transition: Sendable, Equatable {
        /// The redemption moves to the step's status; `refund`: its points and its unit go back.
        case moves(to: RedemptionStatus, refund: Bool)
        /// It is already there: nothing changes (a retried step).
        case unchanged
        /// Not allowed from this status (a rejected redemption is not fulfilled, nor a fulfilled one rejected).
        case refused
    }

    /// Pending → approved, rejected or fulfilled; approved → rejected or fulfilled; rejected and fulfilled are final.
    public static func transition(from status: RedemptionStatus, _ step: RedemptionStep) -> Transition {
        if status == step.status { return .unchanged }
        switch (status, step) {
        case (.pending, _), (.approved, .reject), (.approved, .fulfil): return .moves(to: step.status, refund: step == .reject)
        default: return .refused
        }
    }
}
