import Foundation
import Postgres
import RallyCore
import RallyStorage

/// One redemption as stored: `balance` is the member's balance just after it was made, or refunded.
public struct Redemption: Sendable, Equatable {
    public var id: String
    public var memberId: String
    public var rewardId: String
    public var cost: Int64
    public var status: RedemptionStatus
    public var balance: Int64
    public var createdAt: Date
    public var updatedAt: Date
}

/// The rewards catalogue and the points members spend on it. Every redemption runs load → decide (`Redemptions`, pure)
/// → write in one transaction, its reward's row and then its member's balance row locked in that order, so that the last
/// unit goes to one request only and no balance goes below zero however many arrive at once. Spending never touches the
/// earning ledger or the boards: lifetime points keep ranking the member. Each step is a `balance_entries` row, an audit
/// entry and, for creation, rejection and fulfilment, a webhook notification, committed together.
public final class RewardStore: Sendable {
    private let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    // MARK: - The catalogue

    /// Creates or replaces a reward (its `stock` is the units left from now on), audited as `actor`'s; whether it was
    /// created.
    public func put(program: String, _ reward: Reward, actor: String) async throws -> (Reward, created: Bool) {
        try await postgres.transaction { connection in
            let before = try connection.query("SELECT \(Self.audited) AS audited FROM rewards WHERE program_id = $1 AND reward_id = $2 FOR UPDATE",
                                              [program, reward.id]).first?.string("audited")
            let rows = try connection.query("""
                INSERT INTO rewards (program_id, reward_id, name, cost, stock, active) VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6::boolean)
                ON CONFLICT (program_id, reward_id) DO UPDATE SET name = EXCLUDED.name, cost = EXCLUDED.cost, stock = EXCLUDED.stock,
                    active = EXCLUDED.active, updated_at = now()
                RETURNING \(Self.columns), (xmax = 0) AS created, \(Self.audited) AS audited
                """, [program, reward.id, reward.name, String(reward.cost), reward.stock.map(String.init), String(reward.active)])
            guard let row = rows.first else { throw PostgresError(kind: .decoding, message: "rewards: no row returned") }
            try AuditLog.record(program: program, actor: actor, action: "reward.saved", target: "rewards/\(reward.id)", before: before,
                                after: try row.string("audited"), on: connection)
            return (try Self.reward(row), try row.bool("created"))
        }
    }

    /// The catalogue, by id.
    public func list(program: String) async throws -> [Reward] {
        try await postgres.query("SELECT \(Self.columns) FROM rewards WHERE program_id = $1 ORDER BY reward_id", [program]).map(Self.reward)
    }

    static let columns = "reward_id, name, cost, stock, active"
    /// A reward as the audit log shows it (SQL on a `rewards` row).
    static let audited = "jsonb_build_object('rewardId', reward_id, 'name', name, 'cost', cost, 'stock', stock, 'active', active)::text"

    static func reward(_ row: PostgresRow) throws -> Reward {
        Reward(id: try row.string("reward_id"), name: try row.string("name"), cost: try row.int64("cost"),
               stock: try row.optionalString("stock").map { _ in try row.int64("stock") }, active: try row.bool("active"))
    }

    // MARK: - Redemptions

    /// What asking for a redemption did.
    public enum Outcome: Sendable, Equatable {
        /// Made now: the member's points are spent, a unit taken.
        case created(Redemption)
        /// Made before with the same member and reward: the stored redemption (nothing changed).
        case duplicate(Redemption)
    }

    /// Spends `memberId`'s points on one unit of `rewardId`, once per `id`. Throws a 404 for an unknown member, a 422
    /// naming `rewardId` for an unknown reward, a 409 when the id was used for another member or reward, and the
    /// refusal's 409 (`reward_inactive`, `out_of_stock`, `insufficient_points`).
    public func redeem(program context: ProgramContext, memberId: String, id: String, rewardId: String, actor: String) async throws -> Outcome {
        let program = context.id
        return try await postgres.transaction { connection in
            guard let rewardRow = try connection.query("SELECT \(Self.columns) FROM rewards WHERE program_id = $1 AND reward_id = $2 FOR UPDATE",
                                                       [program, rewardId]).first
            else { throw RallyError.validation([FieldProblem(field: "rewardId", problem: "names no reward of program '\(program)'")]) }
            let reward = try Self.reward(rewardRow)
            if let stored = try Self.redemption(program: program, id: id, on: connection) {
                return try Self.retry(stored, memberId: memberId, rewardId: rewardId)
            }
            let balance = try Self.lockBalance(program: program, memberId: memberId, on: connection)
            let (after, stock) = try Self.refusing(Redemptions.redeem(reward, balance: balance), reward: reward, balance: balance).get()
            // Another request with the same id may have committed since the read above: it wins, this one is its retry.
            guard let row = try connection.query("""
                INSERT INTO redemptions (program_id, redemption_id, member_id, reward_id, cost, status, balance)
                VALUES ($1, $2, $3, $4, $5::bigint, 'pending', $6::bigint) ON CONFLICT (program_id, redemption_id) DO NOTHING
                RETURNING \(Self.redemptionColumns)
                """, [program, id, memberId, rewardId, String(reward.cost), String(after)]).first
            else {
                guard let stored = try Self.redemption(program: program, id: id, on: connection) else {
                    throw PostgresError(kind: .decoding, message: "redemptions: '\(id)' neither inserted nor found")
                }
                return try Self.retry(stored, memberId: memberId, rewardId: rewardId)
            }
            let redemption = try Self.redemption(row)
            if let stock {
                try connection.query("UPDATE rewards SET stock = $3::bigint WHERE program_id = $1 AND reward_id = $2", [program, rewardId, String(stock)])
            }
            try Self.recordStep(program: program, redemption, points: -reward.cost, entry: "spent", on: connection)
            try Self.announce(program: program, redemption, action: "redemption.created", type: .redemptionCreated, before: nil,
                              actor: actor, timeZone: context.timeZone, on: connection)
            return .created(redemption)
        }
    }

    /// Takes an admin's step on a redemption: approve, reject (its points refunded, its unit back in stock) or fulfil.
    /// Returns it and whether it changed (a step taken again changes nothing). A 404 for an unknown redemption, a 409
    /// for a step its status does not allow.
    public func take(_ step: RedemptionStep, program context: ProgramContext, id: String, actor: String) async throws -> (Redemption, changed: Bool) {
        let program = context.id
        return try await postgres.transaction { connection in
            guard let row = try connection.query("SELECT \(Self.redemptionColumns) FROM redemptions WHERE program_id = $1 AND redemption_id = $2 FOR UPDATE",
                                                 [program, id]).first
            else { throw Self.notFound(id, program: program) }
            var redemption = try Self.redemption(row)
            switch Redemptions.transition(from: redemption.status, step) {
            case .unchanged:
                return (redemption, false)
            case .refused:
                throw RallyError(.conflict, "redemption '\(id)' is \(redemption.status.rawValue): it cannot be \(step.status.rawValue)",
                                 details: [FieldProblem(field: "status", problem: "is \(redemption.status.rawValue)")])
            case let .moves(status, refund):
                let before = redemption
                redemption.status = status
                if refund {
                    try connection.query("UPDATE rewards SET stock = stock + 1 WHERE program_id = $1 AND reward_id = $2 AND stock IS NOT NULL",
                                         [program, redemption.rewardId])
                    redemption.balance = try Self.lockBalance(program: program, memberId: redemption.memberId, on: connection) + redemption.cost
                }
                let updated = try connection.query("""
                    UPDATE redemptions SET status = $3, balance = $4::bigint, updated_at = now() WHERE program_id = $1 AND redemption_id = $2
                    RETURNING \(Self.redemptionColumns)
                    """, [program, id, status.rawValue, String(redemption.balance)])
                redemption = try Self.redemption(updated[0])
                try Self.recordStep(program: program, redemption, points: refund ? redemption.cost : 0,
                               entry: refund ? "refunded" : status.rawValue, on: connection)
                try Self.announce(program: program, redemption, action: "redemption.\(status.rawValue)",
                                  type: WebhookEventType.redemption(status), before: before, actor: actor,
                                  timeZone: context.timeZone, on: connection)
                return (redemption, true)
            }
        }
    }

    /// The program's redemptions, oldest first (the review queue's order): of one status and one member when given, at
    /// most `limit` after the `cursor` redemption; the cursor of the next page when there is one.
    public func redemptions(program: String, status: RedemptionStatus?, memberId: String?, limit: Int, after cursor: String?) async throws
        -> ([Redemption], String?)
    {
        let rows = try await postgres.query("""
            SELECT \(Self.redemptionColumns) FROM redemptions r
            WHERE program_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR member_id = $3)
              AND ($4::text IS NULL OR (created_at, redemption_id) > (SELECT created_at, redemption_id FROM redemptions
                                                                      WHERE program_id = $1 AND redemption_id = $4))
            ORDER BY created_at, redemption_id LIMIT $5::int
            """, [program, status?.rawValue, memberId, cursor, String(limit + 1)])
        let page = try rows.prefix(limit).map(Self.redemption)
        return (page, rows.count > limit ? page.last?.id : nil)
    }

    // MARK: - Steps

    /// The member's balance, their balance row locked until the transaction ends (created at zero spent on their first
    /// redemption). A 404 when there is no such member.
    private static func lockBalance(program: String, memberId: String, on connection: PostgresConnection) throws -> Int64 {
        try connection.query("""
            INSERT INTO member_balances (program_id, member_id, spent) SELECT program_id, member_id, 0 FROM members
            WHERE program_id = $1 AND member_id = $2 ON CONFLICT DO NOTHING
            """, [program, memberId])
        guard let row = try connection.query("""
            SELECT b.spent, coalesce(t.points, 0) AS earned FROM member_balances b
            LEFT JOIN member_totals t ON t.program_id = b.program_id AND t.member_id = b.member_id
            WHERE b.program_id = $1 AND b.member_id = $2 FOR UPDATE OF b
            """, [program, memberId]).first
        else { throw MemberStore.unknownMember(memberId, program: program) }
        return Redemptions.balance(earned: try row.int64("earned"), spent: try row.int64("spent"))
    }

    /// Records one step of a redemption: its points (negative: spent) in the member's balance, and its balance entry.
    private static func recordStep(program: String, _ redemption: Redemption, points: Int64, entry: String, on connection: PostgresConnection) throws {
        if points != 0 {
            try connection.query("UPDATE member_balances SET spent = spent - $3::bigint WHERE program_id = $1 AND member_id = $2",
                                 [program, redemption.memberId, String(points)])
        }
        try connection.query("""
            INSERT INTO balance_entries (program_id, member_id, redemption_id, kind, points) VALUES ($1, $2, $3, $4, $5::bigint)
            """, [program, redemption.memberId, redemption.id, entry, String(points)])
    }

    /// The step's audit entry and, when its type has one, its webhook notification.
    private static func announce(program: String, _ redemption: Redemption, action: String, type: WebhookEventType?, before: Redemption?,
                                 actor: String, timeZone: TimeZone, on connection: PostgresConnection) throws {
        try AuditLog.record(program: program, actor: actor, action: action, target: "redemptions/\(redemption.id)",
                            before: before.map { audited($0).text }, after: audited(redemption).text, on: connection)
        if let type {
            var data = audited(redemption)
            if case var .object(fields) = data {
                fields["at"] = .string(RFC3339.format(redemption.updatedAt, in: timeZone))
                data = .object(fields)
            }
            try WebhookStore.enqueue([WebhookNotification(program: program, type: type, data: data)], on: connection)
        }
    }

    static func audited(_ redemption: Redemption) -> JSONValue {
        .object(["redemptionId": .string(redemption.id), "memberId": .string(redemption.memberId), "rewardId": .string(redemption.rewardId),
                 "cost": .integer(redemption.cost), "status": .string(redemption.status.rawValue), "balance": .integer(redemption.balance)])
    }

    /// A retry of a stored redemption: the same member and reward, or the id is taken.
    private static func retry(_ stored: Redemption, memberId: String, rewardId: String) throws -> Outcome {
        guard stored.memberId == memberId, stored.rewardId == rewardId else {
            throw RallyError(.conflict, "redemption '\(stored.id)' was already made for another member or reward",
                             details: [FieldProblem(field: "id", problem: "already used by a different redemption")])
        }
        return .duplicate(stored)
    }

    private static func refusing(_ decision: Result<(balance: Int64, stock: Int64?), RedemptionRefusal>, reward: Reward, balance: Int64)
        -> Result<(balance: Int64, stock: Int64?), RallyError>
    {
        decision.mapError { refusal in
            switch refusal {
            case .inactive:
                RallyError(.rewardInactive, "reward '\(reward.id)' may not be redeemed now", details: [FieldProblem(field: "rewardId", problem: "is not active")])
            case .outOfStock:
                RallyError(.outOfStock, "reward '\(reward.id)' has no unit left", details: [FieldProblem(field: "rewardId", problem: "is out of stock")])
            case .insufficientPoints:
                RallyError(.insufficientPoints, "reward '\(reward.id)' costs \(reward.cost) points; the member's balance is \(balance)",
                           details: [FieldProblem(field: "rewardId", problem: "costs more than the balance of \(balance)")])
            }
        }
    }

    static let redemptionColumns = """
        redemption_id, member_id, reward_id, cost, status, balance, extract(epoch FROM created_at) AS created_at,
        extract(epoch FROM updated_at) AS updated_at
        """

    private static func redemption(program: String, id: String, on connection: PostgresConnection) throws -> Redemption? {
        try connection.query("SELECT \(redemptionColumns) FROM redemptions WHERE program_id = $1 AND redemption_id = $2", [program, id])
            .first.map(redemption)
    }

    static func redemption(_ row: PostgresRow) throws -> Redemption {
        guard let status = RedemptionStatus(rawValue: try row.string("status")) else { throw PostgresError(kind: .decoding, message: "redemptions.status") }
        return Redemption(id: try row.string("redemption_id"), memberId: try row.string("member_id"), rewardId: try row.string("reward_id"),
                          cost: try row.int64("cost"), status: status, balance: try row.int64("balance"),
                          createdAt: Date(timeIntervalSince1970: try row.double("created_at")),
                          updatedAt: Date(timeIntervalSince1970: try row.double("updated_at")))
    }

    static func notFound(_ id: String, program: String) -> RallyError {
        RallyError(.notFound, "redemption '\(id)' does not exist in program '\(program)'")
    }
}
