/// How one action earns points: a base value and an optional factor per network (default 1).
public struct ActionRule: Sendable, Equatable, Codable {
    public var points: Int
    public var networks: [String: Double]

    public init(points: Int, networks: [String: Double] = [:]) {
        self.points = points
        self.networks = networks
    }
}

/// The rules a program scores events with. HR-defined versions, caps and campaigns extend it later.
public struct Ruleset: Sendable, Equatable {
    public var version: Int
    public var actions: [String: ActionRule]

    public init(version: Int, actions: [String: ActionRule]) {
        self.version = version
        self.actions = actions
    }

    /// What every program scores with until HR sets rules: post 25, share 10, comment 5, like 1.
    public static let defaults = Ruleset(version: 0, actions: [
        "post": ActionRule(points: 25),
        "share": ActionRule(points: 10),
        "comment": ActionRule(points: 5),
        "like": ActionRule(points: 1),
    ])
}
