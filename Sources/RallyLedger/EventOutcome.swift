import Foundation
import RallyCore

/// A member's points in the periods an answer shows: all time, this week and this month.
public struct PeriodPoints: Sendable, Equatable {
    public var lifetime: Int64
    public var week: Int64
    public var month: Int64
}

/// A member's competition ranks; nil where they are not on that board (no points there, hidden, or Redis unavailable).
public struct PeriodRanks: Sendable, Equatable {
    public var week: Int?
    public var month: Int?
    public var all: Int?

    /// The boards an answer shows a rank on.
    public enum Slot: Sendable {
        case week, month, all
    }

    public subscript(slot: Slot) -> Int? {
        get {
            switch slot {
            case .week: week
            case .month: month
            case .all: all
            }
        }
        set {
            switch slot {
            case .week: week = newValue
            case .month: month = newValue
            case .all: all = newValue
            }
        }
    }
}

/// A member's standing right after an event was recorded.
public struct MemberAfterEvent: Sendable, Equatable {
    public var points: PeriodPoints
    public var ranks: PeriodRanks

    /// Before the totals are read back.
    static let unknown = MemberAfterEvent(points: PeriodPoints(lifetime: 0, week: 0, month: 0), ranks: PeriodRanks(week: nil, month: nil, all: nil))
}

/// A badge a member holds, as answers show it.
public struct EarnedBadge: Sendable, Equatable {
    public var badgeId: String
    /// Nil for a badge without tiers.
    public var tier: String?
    public var name: String
    public var awardedAt: Date
    /// The event that earned it; nil for an award given retroactively or when a period closed.
    public var eventId: String?
    /// For a rank badge, the period it was won in.
    public var period: String?
}

/// What an event earned, as first recorded.
public struct EventResult: Sendable {
    public var eventId: String
    public var status: AwardStatus
    public var points: Int
    public var breakdown: [AwardLine]
    /// The ruleset version that scored the event (0: the defaults).
    public var rulesVersion: Int
    public var badgesAwarded: [EarnedBadge] = []
    /// The level the event made its member reach, if any.
    public var levelReached: Level?
    public var member: MemberAfterEvent
}

/// The answer to one submitted event.
public enum EventOutcome: Sendable {
    /// Recorded now (201).
    case created(EventResult)
    /// Already recorded with the same payload: the original result, no side effect (200).
    case duplicate(EventResult)
    /// Not recorded: unknown member, reused id with another payload, storage down.
    case rejected(RallyError)
}

extension EventOutcome {
    /// Changes the answer's result, created or duplicate alike (nothing for a rejection).
    mutating func updateResult(_ change: (inout EventResult) -> Void) {
        switch self {
        case var .created(result):
            change(&result)
            self = .created(result)
        case var .duplicate(result):
            change(&result)
            self = .duplicate(result)
        case .rejected:
            break
        }
    }
}
