import Foundation

/// Whose events count toward a challenge: the whole program's, one team's or one region's (members as they are now).
public enum ChallengeScope: Sendable, Equatable {
    case program
    case team(String)
    case region(String)

    public var team: String? { if case let .team(team) = self { team } else { nil } }
    public var region: String? { if case let .region(region) = self { region } else { nil } }
}

/// What a challenge counts: events of one action the rules scored, or points.
public enum ChallengeMetric: Sendable, Equatable {
    case action(String)
    case points

    /// The action counted; nil for points.
    public var action: String? { if case let .action(action) = self { action } else { nil } }
}

/// A collective goal HR sets: a target over `[from, to)` on a metric, for a scope; optionally a badge (of criteria type
/// `challenge`) given to every contributor when the target is reached.
public struct Challenge: Sendable, Equatable {
    public var id: String
    public var name: String
    public var scope: ChallengeScope
    public var metric: ChallengeMetric
    public var target: Int64
    public var from: Date
    public var to: Date
    public var badgeId: String?

    public init(id: String, name: String, scope: ChallengeScope, metric: ChallengeMetric, target: Int64, from: Date, to: Date, badgeId: String?) {
        self.id = id
        self.name = name
        self.scope = scope
        self.metric = metric
        self.target = target
        self.from = from
        self.to = to
        self.badgeId = badgeId
    }

    public static let targets: ClosedRange<Int64> = 1...1_000_000_000_000
    public static let maximumNameLength = 200

    /// Reads a challenge document (`PUT …/challenges/{challengeId}`), naming every problem with its JSON path: a name, a
    /// scope (`{}`, `{"team": …}` or `{"region": …}`), a metric (`{"action": …}` an action some version of the rules
    /// scores, or `{"points": true}`), a target, `from` before `to` (RFC 3339 with an offset), a `badgeId` among
    /// `challengeBadges` (the program's badges of criteria type `challenge`).
    public static func parse(_ document: JSONValue, id: String, knownActions: Set<String>, challengeBadges: Set<String>) -> Result<Challenge, ValidationFailure> {
        var reader = DocumentReader()
        guard let fields = reader.object(document, at: "", allowed: ["id", "name", "scope", "metric", "target", "from", "to", "badgeId"]) else {
            return .failure(ValidationFailure(problems: reader.problems))
        }
        if let given = fields["id"], given != .string(id) { reader.problem("id", "must be the challenge id of the path, or left out") }
        for field in ["name", "metric", "target", "from", "to"] where fields[field] == nil { reader.problem(field, "is required") }
        let name = fields["name"].flatMap { reader.text($0, at: "name", maximumLength: maximumNameLength) }

        var scope: ChallengeScope? = .program
        if let value = fields["scope"], let object = reader.object(value, at: "scope", allowed: ["team", "region"]) {
            switch (object["team"], object["region"]) {
            case (nil, nil): scope = .program
            case let (team?, nil): scope = reader.text(team, at: "scope.team", maximumLength: 200).map(ChallengeScope.team)
            case let (nil, region?): scope = reader.text(region, at: "scope.region", maximumLength: 200).map(ChallengeScope.region)
            default: reader.problem("scope", "names a team or a region, not both"); scope = nil
            }
        }
        var metric: ChallengeMetric?
        if let value = fields["metric"], let object = reader.object(value, at: "metric", allowed: ["action", "points"]) {
            switch (object["action"], object["points"]) {
            case let (action?, nil):
                if let name = reader.string(action, at: "metric.action") {
                    if knownActions.contains(name) { metric = .action(name) } else { reader.problem("metric.action", "is an action no version of the rules scores") }
                }
            case (nil, .bool(true)?): metric = .points
            case (nil, _?): reader.problem("metric.points", "must be true")
            default: reader.problem("metric", "must be {\"action\": …} or {\"points\": true}")
            }
        }
        let target = fields["target"].flatMap { reader.integer($0, at: "target", in: targets) }
        let from = fields["from"].flatMap { reader.instant($0, at: "from") }
        let to = fields["to"].flatMap { reader.instant($0, at: "to") }
        if let from, let to, to <= from { reader.problem("to", "must be after from") }
        var badgeId: String?
        if let value = fields["badgeId"], value != .null, let given = reader.string(value, at: "badgeId") {
            if challengeBadges.contains(given) { badgeId = given } else { reader.problem("badgeId", "must name a badge of the program whose criteria type is challenge") }
        }
        guard reader.problems.isEmpty, let name, let scope, let metric, let target, let from, let to else {
            return .failure(ValidationFailure(problems: reader.problems))
        }
        return .success(Challenge(id: id, name: name, scope: scope, metric: metric, target: target, from: from, to: to, badgeId: badgeId))
    }
}

/// One member's contribution to a challenge: their value (events counted, or points) and when they made its last part.
public struct ChallengeContribution: Sendable, Equatable {
    public var memberId: String
    public var value: Int64

    public init(memberId: String, value: Int64) {
        self.memberId = memberId
        self.value = value
    }
}

/// Where a challenge stands, computed from its contributions (pure): the progress, the members who contributed, the
/// first `top` of them (most first, ties by id).
public struct ChallengeStanding: Sendable, Equatable {
    public var progress: Int64
    public var contributors: Int
    public var top: [ChallengeContribution]

    public init(_ contributions: [ChallengeContribution], top limit: Int = 10) {
        let counted = contributions.filter { $0.value > 0 }
        progress = counted.reduce(0) { $0 + $1.value }
        contributors = counted.count
        top = Array(counted.sorted { ($0.value, $1.memberId) > ($1.value, $0.memberId) }.prefix(limit))
    }
}
