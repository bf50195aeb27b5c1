import Foundation

/// The unit of a streak: consecutive local days, or consecutive ISO weeks, in the program's time zone.
public enum StreakUnit: String, Sendable, CaseIterable {
    case day, week
}

/// Whose board a rank badge ranks on: the whole program's, or each team's (region's) own.
public enum RankScope: String, Sendable, CaseIterable {
    case program, team, region
}

/// What earns a badge.
public enum BadgeCriteria: Sendable, Equatable {
    /// The member's first event of `action` the rules scored.
    case firstAction(action: String)
    /// A number of events of `action` the rules scored, within one period (`all`: ever).
    case actionCount(action: String, period: PeriodKind)
    /// A number of points within one period.
    case points(period: PeriodKind)
    /// Consecutive units with at least one scored event (of `actions` when given).
    case streak(unit: StreakUnit, actions: [String])
    /// A place among the first `top` of a period's board when the period closes: the program's board, or each team's or
    /// region's.
    case rank(period: PeriodKind, scope: RankScope)
    /// Being among the contributors of a challenge that names the badge, when its target is reached.
    case challenge

    /// The criterion's `type` in a badge document.
    public var type: String {
        switch self {
        case .firstAction: "firstAction"
        case .actionCount: "actionCount"
        case .points: "points"
        case .streak: "streak"
        case .rank: "rank"
        case .challenge: "challenge"
        }
    }

    /// The name of the document's field that holds the threshold (`count`, `points`, `length`, `top`); nil for
    /// `firstAction`, which has none.
    public var thresholdField: String? { Badge.thresholdFields[type] }
}

/// One level of a badge: reached at `threshold` (for a rank badge, a place at or above `threshold`).
public struct BadgeTier: Sendable, Equatable {
    /// Nil for a badge without tiers.
    public var id: String?
    public var threshold: Int64

    public init(id: String?, threshold: Int64) {
        self.id = id
        self.threshold = threshold
    }
}

/// A badge HR defines: what earns it, and its tiers (a badge without tiers has one, unnamed).
public struct Badge: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String?
    public var criteria: BadgeCriteria
    /// Easiest first: ascending thresholds, or for rank badges descending places (top 10, then top 3, then 1st).
    public var tiers: [BadgeTier]

    public init(id: String, name: String, description: String? = nil, criteria: BadgeCriteria, tiers: [BadgeTier]) {
        self.id = id
        self.name = name
        self.description = description
        self.criteria = criteria
        self.tiers = tiers
    }

    /// The tiers a member holds with `value` (a count, points or a streak's length; for a rank badge, the place, 0
    /// meaning none): every tier whose threshold it reaches.
    public func tiersReached(by value: Int64) -> [BadgeTier] {
        switch criteria {
        case .rank: value > 0 ? tiers.filter { value <= $0.threshold } : []
        case .firstAction, .challenge: value >= 1 ? tiers : []
        default: tiers.filter { value >= $0.threshold }
        }
    }

    public static let maximumTiers = 10
    public static let maximumDescriptionLength = 500

    /// Reads a badge document (`PUT …/badges/{badgeId}`), naming every problem with its JSON path: unknown fields, an
    /// unknown criterion type, an action no version of the rules scores (`knownActions`), a period or unit that does
    /// not exist, thresholds out of range, tiers not increasing (not decreasing places for a rank badge) or with
    /// repeated ids.
    public static func parse(_ document: JSONValue, id: String, knownActions: Set<String>) -> Result<Badge, ValidationFailure> {
        var reader = DocumentReader()
        guard let fields = reader.object(document, at: "", allowed: ["badgeId", "name", "description", "criteria", "tiers"]) else {
            return .failure(ValidationFailure(problems: reader.problems))
        }
        if let given = fields["badgeId"], given != .string(id) { reader.problem("badgeId", "must be the badge id of the path, or left out") }
        let name = fields["name"].flatMap { reader.text($0, at: "name") }
        if fields["name"] == nil { reader.problem("name", "is required") }
        let description = fields["description"].flatMap { reader.text($0, at: "description", maximumLength: maximumDescriptionLength) }

        var criteria: BadgeCriteria?
        var threshold: Int64?
        if let value = fields["criteria"] {
            (criteria, threshold) = Self.criteria(value, tiered: fields["tiers"] != nil, knownActions: knownActions, reader: &reader)
        } else {
            reader.problem("criteria", "is required")
        }

        var tiers: [BadgeTier] = []
        if let value = fields["tiers"], let criteria {
            if criteria.thresholdField == nil {
                reader.problem("tiers", "a \(criteria.type) badge has no tiers")
            } else if let items = reader.array(value, at: "tiers", maximum: maximumTiers), let field = criteria.thresholdField {
                if items.isEmpty { reader.problem("tiers", "must hold at least one tier (or leave tiers out)") }
                var ids: Set<String> = []
                for (index, item) in items.enumerated() {
                    let path = "tiers[\(index)]"
                    guard let tier = reader.object(item, at: path, allowed: ["id", field]) else { continue }
                    let tierId = tier["id"].flatMap { reader.string($0, at: "\(path).id") }
                    if tier["id"] == nil { reader.problem("\(path).id", "is required") }
                    if let tierId {
                        if !Identifier.isValid(tierId) { reader.problem("\(path).id", "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -") }
                        if !ids.insert(tierId).inserted { reader.problem("\(path).id", "is the id of an earlier tier") }
                    }
                    let limit = Self.range(of: field)
                    let value = tier[field].flatMap { reader.integer($0, at: "\(path).\(field)", in: limit) }
                    if tier[field] == nil { reader.problem("\(path).\(field)", "is required") }
                    if let value, let previous = tiers.last?.threshold {
                        if case .rank = criteria, value >= previous {
                            reader.problem("\(path).\(field)", "must be fewer places than the previous tier's \(previous)")
                        } else if !(criteria.isRank), value <= previous {
                            reader.problem("\(path).\(field)", "must be more than the previous tier's \(previous)")
                        }
                    }
                    if let tierId, let value { tiers.append(BadgeTier(id: tierId, threshold: value)) }
                }
            }
        } else if criteria != nil {
            tiers = [BadgeTier(id: nil, threshold: threshold ?? 1)]
        }

        guard reader.problems.isEmpty, let name, let criteria else { return .failure(ValidationFailure(problems: reader.problems)) }
        return .success(Badge(id: id, name: name, description: description, criteria: criteria, tiers: tiers))
    }

    /// The criteria and, for a badge without tiers, its threshold.
    private static func criteria(_ value: JSONValue, tiered: Bool, knownActions: Set<String>,
                                 reader: inout DocumentReader) -> (BadgeCriteria?, Int64?) {
        guard case let .object(fields) = value else {
            _ = reader.object(value, at: "criteria")
            return (nil, nil)
        }
        guard let typeValue = fields["type"] else {
            reader.problem("criteria.type", "is required: firstAction, actionCount, points, streak or rank")
            return (nil, nil)
        }
        guard let type = reader.string(typeValue, at: "criteria.type") else { return (nil, nil) }
        func action(_ value: JSONValue?, at path: String) -> String? {
            guard let value else {
                reader.problem(path, "is required")
                return nil
            }
            guard let name = reader.string(value, at: path) else { return nil }
            guard knownActions.contains(name) else {
                reader.problem(path, "names an action no version of the rules scores")
                return nil
            }
            return name
        }
        func period(_ value: JSONValue?, at path: String, allowAll: Bool) -> PeriodKind? {
            guard let value else {
                reader.problem(path, "is required")
                return nil
            }
            let kinds = PeriodKind.tracked.filter { allowAll || $0 != .all }
            guard let text = reader.string(value, at: path) else { return nil }
            guard let kind = PeriodKind(rawValue: text), kinds.contains(kind) else {
                reader.problem(path, "must be one of: \(kinds.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return kind
        }
        let criteria: BadgeCriteria?
        let allowed: Set<String>
        switch type {
        case "firstAction":
            allowed = ["type", "action"]
            criteria = action(fields["action"], at: "criteria.action").map { .firstAction(action: $0) }
        case "actionCount":
            allowed = ["type", "action", "count", "period"]
            let name = action(fields["action"], at: "criteria.action"), kind = period(fields["period"], at: "criteria.period", allowAll: true)
            criteria = name.flatMap { name in kind.map { .actionCount(action: name, period: $0) } }
        case "points":
            allowed = ["type", "points", "period"]
            criteria = period(fields["period"], at: "criteria.period", allowAll: true).map { .points(period: $0) }
        case "streak":
            allowed = ["type", "unit", "length", "actions"]
            let unit: StreakUnit? = fields["unit"].flatMap { reader.choice($0, at: "criteria.unit", StreakUnit.self) }
            if fields["unit"] == nil { reader.problem("criteria.unit", "is required: day or week") }
            let actions = (fields["actions"].flatMap { reader.array($0, at: "criteria.actions", maximum: Ruleset.maximumActions) } ?? [])
                .enumerated().compactMap { action($1, at: "criteria.actions[\($0)]") }
            criteria = unit.map { .streak(unit: $0, actions: actions) }
        case "rank":
            allowed = ["type", "period", "top", "scope"]
            let scope = fields["scope"].map { reader.choice($0, at: "criteria.scope", RankScope.self) } ?? .program
            criteria = period(fields["period"], at: "criteria.period", allowAll: false).flatMap { kind in scope.map { .rank(period: kind, scope: $0) } }
        case "challenge":
            allowed = ["type"]
            criteria = .challenge
        default:
            reader.problem("criteria.type", "must be one of: firstAction, actionCount, points, streak, rank, challenge")
            return (nil, nil)
        }
        for name in fields.keys.sorted() where !allowed.contains(name) {
            reader.problem("criteria.\(name)", "unknown field; expected one of: \(allowed.sorted().joined(separator: ", "))")
        }
        // The threshold is checked whatever else is wrong, so that every problem is named at once. With tiers, they
        // replace the single threshold (which may still be written, as the contract's example does).
        var threshold: Int64?
        if let field = thresholdFields[type] {
            if let value = fields[field] {
                threshold = reader.integer(value, at: "criteria.\(field)", in: range(of: field))
            } else if !tiered {
                reader.problem("criteria.\(field)", "is required (or give tiers)")
            }
        }
        return (criteria, tiered ? nil : threshold)
    }

    /// The field holding each criterion type's threshold (`firstAction` has none).
    public static let thresholdFields = ["actionCount": "count", "points": "points", "streak": "length", "rank": "top"]

    private static func range(of field: String) -> ClosedRange<Int64> {
        switch field {
        case "points": 1...Int64(Int32.max) * 1000
        case "top", "length": 1...1000
        default: 1...1_000_000
        }
    }
}

extension BadgeCriteria {
    /// Whether a member's events earn the badge: not a rank badge (given when a period closes) nor a challenge badge
    /// (given when a challenge is reached).
    public var isEarnedByEvents: Bool {
        switch self {
        case .rank, .challenge: false
        default: true
        }
    }

    var isRank: Bool {
        if case .rank = self { true } else { false }
    }
}

/// A member's streak: how many units in a row end at the last active unit, the best run ever, and that last unit.
public struct Streak: Sendable, Equatable {
    public var current: Int
    public var best: Int
    /// The first local day of the last unit with activity (nil before any).
    public var lastUnit: CivilDate?

    public init(current: Int = 0, best: Int = 0, lastUnit: CivilDate? = nil) {
        self.current = current
        self.best = best
        self.lastUnit = lastUnit
    }

    /// The streak of a member active on `days` (local dates, in any order, repeats allowed): the run of consecutive
    /// units ending at the last active one, and the longest run. Computed from the days themselves, so a backdated
    /// event that fills a gap, or a retraction that opens one, gives the exact streak.
    public init(activeDays days: some Sequence<CivilDate>, unit: StreakUnit) {
        let step = unit.step
        let units = Set(days.map { unit.unit(containing: $0.daysSinceEpoch) }).sorted()
        var run = 0, best = 0, previous: Int?
        for start in units {
            run = previous.map { start - $0 == step } == true ? run + 1 : 1
            best = max(best, run)
            previous = start
        }
        self.init(current: run, best: best, lastUnit: previous.map(CivilDate.init(daysSinceEpoch:)))
    }

    /// The streak as of `today`: broken (0) when a whole unit has passed since the last active one.
    public func asOf(_ today: CivilDate, unit: StreakUnit) -> Streak {
        guard let last = lastUnit else { return self }
        var shown = self
        if unit.unit(containing: today.daysSinceEpoch) - last.daysSinceEpoch > unit.step { shown.current = 0 }
        return shown
    }
}

extension Badge {
    /// The badge as the contract writes it (and PostgreSQL stores it): the criteria with its single threshold, or the
    /// tiers.
    public var document: JSONValue {
        var criteria: [String: JSONValue] = ["type": .string(self.criteria.type)]
        switch self.criteria {
        case let .firstAction(action): criteria["action"] = .string(action)
        case let .actionCount(action, period): criteria["action"] = .string(action); criteria["period"] = .string(period.rawValue)
        case let .points(period): criteria["period"] = .string(period.rawValue)
        case let .rank(period, scope):
            criteria["period"] = .string(period.rawValue)
            if scope != .program { criteria["scope"] = .string(scope.rawValue) }
        case let .streak(unit, actions):
            criteria["unit"] = .string(unit.rawValue)
            if !actions.isEmpty { criteria["actions"] = .array(actions.map(JSONValue.string)) }
        case .challenge: break
        }
        var fields: [String: JSONValue] = ["badgeId": .string(id), "name": .string(name), "criteria": .object(criteria)]
        if let description { fields["description"] = .string(description) }
        if let field = self.criteria.thresholdField {
            if tiers.count == 1, tiers[0].id == nil {
                criteria[field] = .integer(tiers[0].threshold)
                fields["criteria"] = .object(criteria)
            } else {
                fields["tiers"] = .array(tiers.map { .object(["id": .string($0.id ?? ""), field: .integer($0.threshold)]) })
            }
        }
        return .object(fields)
    }
}
