/// Who may see a member on leaderboards.
public enum Visibility: String, Sendable, Codable, CaseIterable {
    /// Ranked with their name.
    case `public`
    /// Ranked, name and id hidden.
    case anonymous
    /// Scored, never on a leaderboard.
    case hidden
}

/// What a platform tells Rally about an employee.
public struct MemberProfile: Sendable, Equatable {
    public var displayName: String?
    public var team: String?
    public var region: String?
    public var enrolled: Bool
    public var audience: [String: Int]
    public var visibility: Visibility

    public init(displayName: String?, team: String?, region: String?, enrolled: Bool, audience: [String: Int], visibility: Visibility) {
        self.displayName = displayName
        self.team = team
        self.region = region
        self.enrolled = enrolled
        self.audience = audience
        self.visibility = visibility
    }

    public static let maximumTextLength = 200

    /// Whether the member stands on leaderboards and takes a rank: enrolled and not hidden (anonymous members stand
    /// there without their name). The one rule every board, rank and rebuild follows.
    public static func isRanked(enrolled: Bool, visibility: Visibility) -> Bool {
        enrolled && visibility != .hidden
    }

    public var isRanked: Bool { Self.isRanked(enrolled: enrolled, visibility: visibility) }

    /// Every problem with the profile's fields (empty when valid).
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        for (field, value) in [("displayName", displayName), ("team", team), ("region", region)] {
            problems += CallerText.problems(value, field: field, maximumLength: Self.maximumTextLength)
        }
        for (network, size) in audience.sorted(by: { $0.key < $1.key }) {
            if !Identifier.isValid(network) || network.utf8.count > 64 {
                problems.append(FieldProblem(field: "audience", problem: "network '\(network)' must be 1-64 characters of A-Z a-z 0-9 . _ : @ -"))
            } else if size < 0 {
                problems.append(FieldProblem(field: "audience.\(network)", problem: "must not be negative"))
            }
        }
        return problems
    }
}
