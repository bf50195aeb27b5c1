/// Why an event earned what it earned.
public enum AwardStatus: String, Sendable, Codable {
    /// Points were awarded under the rules.
    case awarded
    /// The member is not (or no longer) enrolled in the program: the event is recorded, it earns nothing.
    case notEnrolled = "not_enrolled"
}

/// One rule's contribution to an award; the lines add up to the award's points.
public struct AwardLine: Sendable, Equatable, Codable {
    public var rule: String
    public var points: Int

    public init(rule: String, points: Int) {
        self.rule = rule
        self.points = points
    }
}

/// What one event earned.
public struct Award: Sendable, Equatable {
    public var status: AwardStatus
    public var points: Int
    public var breakdown: [AwardLine]

    public init(status: AwardStatus, points: Int, breakdown: [AwardLine]) {
        self.status = status
        self.points = points
        self.breakdown = breakdown
    }
}

/// What scoring needs to know about the member an event belongs to.
public struct MemberStanding: Sendable, Equatable {
    public var enrolled: Bool

    public init(enrolled: Bool) {
        self.enrolled = enrolled
    }
}

public enum ScoringError: Error, Equatable, Sendable {
    case unknownAction(String)
}

extension Ruleset {
    /// The award for `event`: base points × the network's factor, rounded half away from zero.
    public func score(_ event: Event, for member: MemberStanding) throws(ScoringError) -> Award {
        guard let rule = actions[event.action] else { throw .unknownAction(event.action) }
        guard member.enrolled else { return Award(status: .notEnrolled, points: 0, breakdown: []) }
        var breakdown = [AwardLine(rule: "actions.\(event.action)", points: rule.points)]
        var exact = Double(rule.points)
        if let network = event.network, let factor = rule.networks[network], factor != 1 {
            exact *= factor
        }
        let points = Int(exact.rounded(.toNearestOrAwayFromZero))
        if points != rule.points, let network = event.network {
            breakdown.append(AwardLine(rule: "actions.\(event.action).networks.\(network)", points: points - rule.points))
        }
        return Award(status: .awarded, points: points, breakdown: breakdown)
    }
}
