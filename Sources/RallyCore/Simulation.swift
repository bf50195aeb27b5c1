import Foundation

/// What a proposed ruleset would have given over stored events, beside what they earned: events are replayed in the
/// order they were received, each member's state starting empty at the start of the range, and nothing is written.
public struct Simulation: Sendable {
    public let ruleset: Ruleset
    public let calendar: PeriodCalendar
    private var states: [String: ScoringState] = [:]
    private var members: [String: (before: Int64, after: Int64, ranked: Bool)] = [:]
    private var actions: [String: ActionTotals] = [:]
    public private(set) var events = 0

    public init(ruleset: Ruleset, calendar: PeriodCalendar) {
        self.ruleset = ruleset
        self.calendar = calendar
    }

    /// One stored event: what it earned (`stored`, nothing when it was not scored), whether its member was enrolled when
    /// it arrived, and whether the member stands on boards (the rankings compare those only).
    public mutating func replay(_ event: Event, stored: Int, enrolled: Bool, ranked: Bool) {
        let award = ruleset.score(event, member: MemberEnrolment(enrolled: enrolled), calendar: calendar,
                                  state: &states[event.memberId, default: ScoringState()])
        events += 1
        actions[event.action, default: ActionTotals()].add(before: stored, after: award.points)
        var member = members[event.memberId] ?? (0, 0, ranked)
        member.before += Int64(stored)
        member.after += Int64(award.points)
        members[event.memberId] = member
    }

    /// The totals, each action's, the top of both rankings and the members whose rank moves most.
    public func result(top: Int = 10, movers: Int = 10) -> SimulationResult {
        let ranked = members.filter(\.value.ranked)
        let before = Self.ranking(ranked.mapValues(\.before)), after = Self.ranking(ranked.mapValues(\.after))
        let moves = ranked.keys.map { id in
            SimulationResult.Move(memberId: id, before: before.ranks[id] ?? 0, after: after.ranks[id] ?? 0,
                                  pointsBefore: ranked[id]?.before ?? 0, pointsAfter: ranked[id]?.after ?? 0)
        }.filter { $0.before != $0.after }
            .sorted { (abs($0.after - $0.before), $1.memberId) > (abs($1.after - $1.before), $0.memberId) }
        return SimulationResult(
            events: events, pointsBefore: members.values.reduce(0) { $0 + $1.before }, pointsAfter: members.values.reduce(0) { $0 + $1.after },
            actions: actions, topBefore: Array(before.entries.prefix(top)), topAfter: Array(after.entries.prefix(top)), movers: Array(moves.prefix(movers)))
    }

    /// Competition ranks on points, best first; among equal points, by member id.
    private static func ranking(_ points: [String: Int64]) -> (entries: [SimulationResult.Entry], ranks: [String: Int]) {
        let sorted = points.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let ranks = CompetitionRanking.ranks(sortedPoints: sorted.map(\.value), offset: 0, firstRank: 1)
        let entries = zip(sorted, ranks).map { SimulationResult.Entry(rank: $1, memberId: $0.key, points: $0.value) }
        return (entries, Dictionary(uniqueKeysWithValues: entries.map { ($0.memberId, $0.rank) }))
    }
}

/// An action's events and points in a simulation.
public struct ActionTotals: Sendable, Equatable {
    public var events = 0
    public var before: Int64 = 0
    public var after: Int64 = 0

    public init(events: Int = 0, before: Int64 = 0, after: Int64 = 0) {
        self.events = events
        self.before = before
        self.after = after
    }

    mutating func add(before stored: Int, after simulated: Int) {
        events += 1
        before += Int64(stored)
        after += Int64(simulated)
    }
}

/// What `Simulation` found.
public struct SimulationResult: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var rank: Int
        public var memberId: String
        public var points: Int64
    }

    public struct Move: Sendable, Equatable {
        public var memberId: String
        public var before: Int
        public var after: Int
        public var pointsBefore: Int64
        public var pointsAfter: Int64
    }

    public var events: Int
    public var pointsBefore: Int64
    public var pointsAfter: Int64
    public var actions: [String: ActionTotals]
    public var topBefore: [Entry]
    public var topAfter: [Entry]
    public var movers: [Move]
}
