import Foundation

/// One award a member can hold: a badge's tier (nil without tiers), for a rank badge in one period (nil for the others).
/// Each is given once per member.
public struct BadgeAwardKey: Sendable, Hashable {
    public var badgeId: String
    public var tier: String?
    public var period: String?

    public init(badgeId: String, tier: String?, period: String? = nil) {
        self.badgeId = badgeId
        self.tier = tier
        self.period = period
    }
}

extension PeriodCalendar {
    /// The local days (counted from 1970-01-01) of the period of `kind` containing `date`; nil for `all` and windows.
    /// Local dates need no time zone: this is the same in every program.
    public static func days(of kind: PeriodKind, containing date: CivilDate) -> Range<Int>? {
        let day = date.daysSinceEpoch
        func months(from first: Int, count: Int) -> Range<Int> {
            let start = CivilDate(year: date.year, month: first, day: 1).daysSinceEpoch
            let end = first + count > 12 ? CivilDate(year: date.year + 1, month: first + count - 12, day: 1) : CivilDate(year: date.year, month: first + count, day: 1)
            return start..<end.daysSinceEpoch
        }
        switch kind {
        case .day: return day..<(day + 1)
        case .week:
            let monday = day - isoWeekdayIndex(day)
            return monday..<(monday + 7)
        case .month: return months(from: date.month, count: 1)
        case .quarter: return months(from: (date.month - 1) / 3 * 3 + 1, count: 3)
        case .year: return months(from: 1, count: 12)
        case .all, .rolling, .range: return nil
        }
    }
}

extension StreakUnit {
    /// The first local day (since 1970) of the unit containing `day`, and the unit's length in days.
    func unit(containing day: Int) -> Int { self == .day ? day : day - PeriodCalendar.isoWeekdayIndex(day) }
    public var step: Int { self == .day ? 1 : 7 }
}

extension Badge {
    /// Whether an event of `action` can change what the badge counts (rank badges count none: they are given when a
    /// period closes; challenge badges neither: when a challenge is reached).
    public func counts(_ action: String) -> Bool {
        switch criteria {
        case let .firstAction(counted), let .actionCount(counted, _): action == counted
        case .points: true
        case let .streak(_, actions): actions.isEmpty || actions.contains(action)
        case .rank, .challenge: false
        }
    }

    /// The highest threshold: the member holds every tier once a value reaches it.
    var highestThreshold: Int64 { tiers.map(\.threshold).max() ?? 1 }

    /// The local days whose activity `value(on:state:)` reads for `day` (nil: lifetime figures only). A streak reads at
    /// most as many units on either side as its longest tier needs.
    public func daysRead(on day: CivilDate) -> Range<Int>? {
        switch criteria {
        case .firstAction, .rank, .challenge: return nil
        case let .actionCount(_, period), let .points(period): return PeriodCalendar.days(of: period, containing: day)
        case let .streak(unit, _):
            let start = unit.unit(containing: day.daysSinceEpoch), reach = Int(highestThreshold) * unit.step
            return (start - reach)..<(start + reach + unit.step)
        }
    }

    /// The badge's value for a member whose history is `state`: the events or points of the period containing `day`
    /// (or ever), 1 once the first action is done, or the length of the run of active units through `day`'s.
    public func value(on day: CivilDate, state: ScoringState) -> Int64 {
        switch criteria {
        case let .firstAction(action): return (state.lifetime[action]?.events ?? 0) > 0 ? 1 : 0
        case let .actionCount(action, period):
            guard let days = PeriodCalendar.days(of: period, containing: day) else { return Int64(state.lifetime[action]?.events ?? 0) }
            return Int64(state.total(days: days.map(CivilDate.init(daysSinceEpoch:)), action: action).events)
        case let .points(period):
            guard let days = PeriodCalendar.days(of: period, containing: day) else { return state.lifetimePoints }
            return state.total(days: days.map(CivilDate.init(daysSinceEpoch:)), action: nil).points
        case let .streak(unit, actions):
            let active = Set(activeDays(in: state, actions: actions).map { unit.unit(containing: $0.daysSinceEpoch) })
            let start = unit.unit(containing: day.daysSinceEpoch)
            guard active.contains(start) else { return 0 }
            var first = start, last = start
            while active.contains(first - unit.step) { first -= unit.step }
            while active.contains(last + unit.step) { last += unit.step }
            return Int64((last - first) / unit.step + 1)
        case .rank, .challenge:
            return 0
        }
    }

    /// The best value a member's whole history reaches (what a badge defined today gives retroactively): the busiest
    /// period's events or points, the longest streak ever, lifetime figures as they stand. The definition: the
    /// retroactive pass computes the same in PostgreSQL, beside the rows (`BadgeAwarder.bestValueQuery`), and its tests
    /// hold the two together.
    public func bestValue(history state: ScoringState) -> Int64 {
        switch criteria {
        case let .actionCount(action, period) where period != .all:
            return Self.busiestPeriod(period, state: state) { $0.action == action ? Int64($1.events) : 0 }
        case let .points(period) where period != .all: return Self.busiestPeriod(period, state: state) { $1.points }
        case .firstAction, .rank, .challenge, .actionCount, .points: return value(on: CivilDate(daysSinceEpoch: 0), state: state)
        case let .streak(unit, actions):
            return Int64(Streak(activeDays: activeDays(in: state, actions: actions), unit: unit).best)
        }
    }

    /// The largest sum of `counted` over the days of one period of `kind` (over all days for `all`).
    private static func busiestPeriod(_ kind: PeriodKind, state: ScoringState, counted: (ActivityKey, Activity) -> Int64) -> Int64 {
        var sums: [Int: Int64] = [:]
        for (key, activity) in state.activity {
            sums[PeriodCalendar.days(of: kind, containing: key.day)?.lowerBound ?? 0, default: 0] += counted(key, activity)
        }
        return sums.values.max() ?? 0
    }

    /// The days on which the member did one of `actions` (any action when empty) that the rules scored.
    func activeDays(in state: ScoringState, actions: [String]) -> [CivilDate] {
        state.activity.compactMap { key, activity in
            activity.events > 0 && (actions.isEmpty || actions.contains(key.action)) ? key.day : nil
        }
    }

    /// The awards of the tiers `value` reaches that are not in `held`, easiest first.
    public func newAwards(value: Int64, held: Set<BadgeAwardKey>, period: String? = nil) -> [BadgeAwardKey] {
        tiersReached(by: value).map { BadgeAwardKey(badgeId: id, tier: $0.id, period: period) }.filter { !held.contains($0) }
    }

    /// Whether `held` holds every tier of this (non-rank) badge.
    func isComplete(in held: Set<BadgeAwardKey>) -> Bool {
        tiers.allSatisfy { held.contains(BadgeAwardKey(badgeId: id, tier: $0.id)) }
    }

    /// The awards an event just scored into `state` earns among `badges`: every tier its value now reaches that the
    /// member does not hold (then held). Only badges that count the event's action are looked at: an award is earned
    /// by the event that completes it; what a member met before a badge existed comes from the retroactive pass.
    public static func awards(_ badges: [Badge], after action: String, on day: CivilDate, state: inout ScoringState) -> [BadgeAwardKey] {
        var earned: [BadgeAwardKey] = []
        for badge in badges where badge.counts(action) && !badge.isComplete(in: state.held) {
            let awards = badge.newAwards(value: badge.value(on: day, state: state), held: state.held)
            state.held.formUnion(awards)
            earned += awards
        }
        return earned
    }
}
