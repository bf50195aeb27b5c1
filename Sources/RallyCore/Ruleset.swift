import Foundation

/// How one action earns points: a base value, an optional factor per network (default 1), and whether the same
/// member earns it once per piece of content.
public struct ActionRule: Sendable, Equatable {
    public var points: Int
    public var networks: [String: Double]
    public var oncePerContent: Bool

    public init(points: Int, networks: [String: Double] = [:], oncePerContent: Bool = false) {
        self.points = points
        self.networks = networks
        self.oncePerContent = oncePerContent
    }
}

/// The local day or ISO week (in the program's time zone) over which a cap counts.
public enum CapWindow: String, Sendable, CaseIterable {
    case day, week
}

/// A limit on what one member earns in a day or a week, for one action or for all actions together: a number of
/// events that earn (then 0), and/or a number of points (then what still fits).
public struct Cap: Sendable, Equatable {
    /// Nil: every action counts towards the cap.
    public var action: String?
    public var per: CapWindow
    public var maxCount: Int?
    public var maxPoints: Int?

    public init(action: String? = nil, per: CapWindow, maxCount: Int? = nil, maxPoints: Int? = nil) {
        self.action = action
        self.per = per
        self.maxCount = maxCount
        self.maxPoints = maxPoints
    }

    public func covers(_ action: String) -> Bool {
        self.action == nil || self.action == action
    }
}

/// A time-boxed multiplier for events of some actions and/or carrying some tags.
public struct Campaign: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The campaign applies to events that occurred in `[from, to)`.
    public var from: Date
    public var to: Date
    /// Empty: events with any tag (or none).
    public var tags: [String]
    /// Empty: events of any action.
    public var actions: [String]
    public var multiplier: Double

    public init(id: String, name: String, from: Date, to: Date, tags: [String] = [], actions: [String] = [], multiplier: Double) {
        self.id = id
        self.name = name
        self.from = from
        self.to = to
        self.tags = tags
        self.actions = actions
        self.multiplier = multiplier
    }

    /// Whether the event falls in the campaign's window, is one of its actions and carries one of its tags (each when given).
    public func applies(to event: Event) -> Bool {
        from <= event.occurredAt && event.occurredAt < to
            && (actions.isEmpty || actions.contains(event.action))
            && (tags.isEmpty || event.tags.contains(where: tags.contains))
    }
}

/// A named step of lifetime points.
public struct Level: Sendable, Equatable {
    public var name: String
    public var minPoints: Int64

    public init(name: String, minPoints: Int64) {
        self.name = name
        self.minPoints = minPoints
    }
}

/// The rules a program scores events with: one version of what HR set, in force from `effectiveFrom` until the next.
public struct Ruleset: Sendable, Equatable {
    /// 0 for the defaults, then 1, 2, … as HR sets new versions.
    public var version: Int
    /// Nil for the defaults (in force until the first version).
    public var effectiveFrom: Date?
    public var actions: [String: ActionRule]
    public var caps: [Cap]
    public var campaigns: [Campaign]
    /// Ascending by `minPoints`, the first at 0; empty when the program has no levels.
    public var levels: [Level]

    public init(version: Int, effectiveFrom: Date? = nil, actions: [String: ActionRule], caps: [Cap] = [], campaigns: [Campaign] = [],
                levels: [Level] = []) {
        self.version = version
        self.effectiveFrom = effectiveFrom
        self.actions = actions
        self.caps = caps
        self.campaigns = campaigns
        self.levels = levels
    }

    /// What every program scores with until HR sets rules: post 25, share 10, comment 5, like 1.
    public static let defaults = Ruleset(version: 0, actions: [
        "post": ActionRule(points: 25),
        "share": ActionRule(points: 10),
        "comment": ActionRule(points: 5),
        "like": ActionRule(points: 1),
    ])
}

/// Every version of a program's rules, oldest first: which one is in force at an instant, and which actions any knows.
public struct RulesetHistory: Sendable, Equatable {
    /// The defaults first (in force until the first version), then HR's versions by `effectiveFrom`.
    public private(set) var versions: [Ruleset]

    /// The defaults alone: a program whose HR set no rules yet.
    public static let defaults = RulesetHistory()

    public init(_ versions: [Ruleset] = []) {
        self.versions = [.defaults] + versions.filter { $0.version > 0 }.sorted { $0.version < $1.version }
    }

    /// The version in force at `instant`: the last whose `effectiveFrom` is not after it.
    public func inForce(at instant: Date) -> Ruleset {
        versions.last { ($0.effectiveFrom ?? .distantPast) <= instant } ?? .defaults
    }

    /// The newest version (in force now or scheduled).
    public var latest: Ruleset { versions.last ?? .defaults }

    /// Every action some version scores.
    public var knownActions: Set<String> {
        versions.reduce(into: []) { $0.formUnion($1.actions.keys) }
    }
}

extension RulesetHistory {
    /// How far in the past a proposal's `effectiveFrom` may lie and still mean "now" (the request's own transit).
    public static let effectiveFromTolerance: TimeInterval = 60

    /// The proposal as the next version: numbered after the latest, in force from its `effectiveFrom` (now when absent
    /// or within `effectiveFromTolerance` before now), which must lie after every earlier version's: rules are never
    /// retroactive. A 409 when the proposal names another version number than the next; a 422 naming `effectiveFrom`
    /// when it is in the past or not after the latest version's.
    public func schedule(_ proposal: RulesetProposal, now: Date) -> Result<Ruleset, RallyError> {
        let next = latest.version + 1
        if let expected = proposal.expectedVersion, expected != next {
            return .failure(RallyError(.conflict, "the rules changed: the next version is \(next), not \(expected); read them again and retry",
                                       details: [FieldProblem(field: "version", problem: "must be \(next), the next version")]))
        }
        var ruleset = proposal.ruleset
        let requested = ruleset.effectiveFrom ?? now
        if requested < now.addingTimeInterval(-Self.effectiveFromTolerance) {
            return .failure(.validation([FieldProblem(field: "effectiveFrom", problem: "is in the past: rules are never retroactive")]))
        }
        // "Now" to the next millisecond (what a document writes): a version never covers an instant before the request.
        let effectiveFrom = max(requested, Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.up) / 1000))
        if let previous = latest.effectiveFrom, effectiveFrom <= previous {
            return .failure(.validation([FieldProblem(
                field: "effectiveFrom",
                problem: "must be after version \(latest.version)'s effectiveFrom (\(RFC3339.format(previous, offsetSeconds: 0))), already scheduled")]))
        }
        ruleset.version = next
        ruleset.effectiveFrom = effectiveFrom
        return .success(ruleset)
    }
}

/// Where lifetime points stand among a ruleset's levels.
public struct LevelProgress: Sendable, Equatable {
    public var level: Level
    /// Nil at the top level.
    public var next: Level?
    public var pointsToNext: Int64?

    public init(level: Level, next: Level?, pointsToNext: Int64?) {
        self.level = level
        self.next = next
        self.pointsToNext = pointsToNext
    }
}

extension Ruleset {
    /// The level `after` points reach when `before` were below it (nil when the level stays, falls, or there are none).
    public func levelReached(from before: Int64, to after: Int64) -> Level? {
        guard after > before, let reached = level(forLifetimePoints: after)?.level, let previous = level(forLifetimePoints: before)?.level,
              reached.minPoints > previous.minPoints else { return nil }
        return reached
    }

    /// The level of `lifetime` points (the last whose `minPoints` they reach), the next one and the points to it; nil
    /// when the ruleset has no levels.
    public func level(forLifetimePoints lifetime: Int64) -> LevelProgress? {
        guard let first = levels.first else { return nil }
        let index = levels.lastIndex { $0.minPoints <= lifetime } ?? 0
        let level = lifetime < first.minPoints ? first : levels[index]
        let next = index + 1 < levels.count ? levels[index + 1] : nil
        return LevelProgress(level: level, next: next, pointsToNext: next.map { $0.minPoints - lifetime })
    }
}
