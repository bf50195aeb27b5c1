import Foundation

/// Why an event earned what it earned.
public enum AwardStatus: String, Sendable, Codable, CaseIterable {
    /// Points were awarded under the rules, in full.
    case awarded
    /// A cap limited the points (perhaps to 0).
    case capped
    /// The member already earned this action on this content (`oncePerContent`): 0 points.
    case oncePerContent = "once_per_content"
    /// The rules in force when the event occurred do not score its action (a later or earlier version does): 0 points.
    case notScored = "not_scored"
    /// The member is not (or no longer) enrolled in the program: the event is recorded, it earns nothing.
    case notEnrolled = "not_enrolled"
    /// The event broke an integrity rule that holds points: they are recorded with it, off the member's totals, boards,
    /// activity and badges until an admin reviews its flag.
    case held

    /// Whether the rules scored the event (whatever it earned): it then counts as the member's activity, towards caps.
    public var isScored: Bool {
        switch self {
        case .awarded, .capped, .oncePerContent: true
        case .notScored, .notEnrolled, .held: false
        }
    }
}

/// One rule's contribution to an award, named by its path in the ruleset; the lines add up to the award's points.
public struct AwardLine: Sendable, Equatable, Codable {
    public var rule: String
    public var points: Int
    /// The network factor or campaign multiplier the line applied, if it is one.
    public var factor: Double?

    public init(rule: String, points: Int, factor: Double? = nil) {
        self.rule = rule
        self.points = points
        self.factor = factor
    }
}

/// What one event earned, and under which rules.
public struct Award: Sendable, Equatable {
    public var status: AwardStatus
    public var points: Int
    public var breakdown: [AwardLine]
    /// The ruleset version that scored the event (0: the defaults).
    public var rulesVersion: Int
    /// The campaign whose multiplier applied, if any.
    public var campaign: String?
    /// The badge awards the event earned (`Badge.awards`).
    public var badges: [BadgeAwardKey] = []
    /// The level the event's points made the member reach, if they reached a new one.
    public var levelReached: Level?

    public init(status: AwardStatus, points: Int, breakdown: [AwardLine], rulesVersion: Int = 0, campaign: String? = nil) {
        self.status = status
        self.points = points
        self.breakdown = breakdown
        self.rulesVersion = rulesVersion
        self.campaign = campaign
    }
}

/// What scoring needs to know about the member an event belongs to.
public struct MemberEnrolment: Sendable, Equatable {
    public var enrolled: Bool

    public init(enrolled: Bool) {
        self.enrolled = enrolled
    }
}

/// What one member did with one action on one local day: the events scored, those that earned points, and the points.
public struct Activity: Sendable, Equatable {
    public var events: Int
    public var earning: Int
    public var points: Int64

    public init(events: Int = 0, earning: Int = 0, points: Int64 = 0) {
        self.events = events
        self.earning = earning
        self.points = points
    }
}

/// One member's action on one local day.
public struct ActivityKey: Sendable, Hashable {
    public var day: CivilDate
    public var action: String

    public init(day: CivilDate, action: String) {
        self.day = day
        self.action = action
    }
}

/// A piece of content an action of the member already earned points on.
public struct ContentKey: Sendable, Hashable {
    public var action: String
    public var contentId: String

    public init(action: String, contentId: String) {
        self.action = action
        self.contentId = contentId
    }
}

/// What a member did before an event that its score and badges depend on: activity per local day and action (over
/// the days caps, period badges and streaks look at), each action's activity ever and the lifetime points, the content
/// each once-per-content action already earned on, and the badges held. Scoring an event adds it to the state.
public struct ScoringState: Sendable, Equatable {
    public private(set) var activity: [ActivityKey: Activity] = [:]
    /// Each day's activity over all actions (what a cap without an action counts), kept with `activity`.
    private(set) var days: [CivilDate: Activity] = [:]
    /// Per action, everything the member did ever (loaded only where badges or levels need it).
    public var lifetime: [String: Activity] = [:]
    /// The member's points ever.
    public var lifetimePoints: Int64 = 0
    public var contents: Set<ContentKey>
    /// The badge awards the member holds (revoked ones too: they are not given again).
    public var held: Set<BadgeAwardKey> = []

    public init(activity: [ActivityKey: Activity] = [:], contents: Set<ContentKey> = []) {
        self.contents = contents
        for (key, value) in activity { add(value, at: key) }
    }

    /// Adds loaded history to the member's activity of one day and action (not to the lifetime figures, loaded apart).
    public mutating func add(_ delta: Activity, at key: ActivityKey) {
        activity[key, default: Activity()].add(delta)
        days[key.day, default: Activity()].add(delta)
    }

    /// Adds one event scored now (or, with a negative delta, takes it back): its day's activity and the lifetime figures.
    public mutating func record(_ delta: Activity, at key: ActivityKey) {
        add(delta, at: key)
        lifetime[key.action, default: Activity()].add(delta)
        lifetimePoints += delta.points
    }

    /// The activity of `days` (of one action, or of all when nil), summed: a few lookups whatever the history's length.
    func total(days: [CivilDate], action: String?) -> Activity {
        days.reduce(into: Activity()) { sum, day in
            if let action {
                if let found = activity[ActivityKey(day: day, action: action)] { sum.add(found) }
            } else if let found = self.days[day] {
                sum.add(found)
            }
        }
    }
}

extension Activity {
    public mutating func add(_ other: Activity) {
        events += other.events
        earning += other.earning
        points += other.points
    }

    /// The activity of one more event that earned `points`, or of taking it back (`sign` -1).
    public static func event(points: Int, sign: Int = 1) -> Activity {
        Activity(events: sign, earning: points > 0 ? sign : 0, points: Int64(sign * points))
    }
}

extension Ruleset {
    /// The award for `event` of a member whose history is `state`, which then includes the event: base points × the
    /// network's factor × the highest multiplier among the campaigns that apply (the first in the document among equals),
    /// rounded half away from zero; then 0 for
    /// content already earned on (`oncePerContent`), and each cap covering the action in its local day or ISO week
    /// (`calendar`): 0 once `maxCount` earning events are reached, what still fits under `maxPoints`.
    public func score(_ event: Event, member: MemberEnrolment, calendar: PeriodCalendar, state: inout ScoringState) -> Award {
        guard member.enrolled else { return Award(status: .notEnrolled, points: 0, breakdown: [], rulesVersion: version) }
        guard let rule = actions[event.action] else { return Award(status: .notScored, points: 0, breakdown: [], rulesVersion: version) }
        var breakdown = [AwardLine(rule: "actions.\(event.action)", points: rule.points)]
        var exact = Double(rule.points)
        var points = rule.points
        if let network = event.network, let factor = rule.networks[network] {
            exact *= factor
            let factored = Self.rounded(exact)
            if factored != points {
                breakdown.append(AwardLine(rule: "actions.\(event.action).networks.\(network)", points: factored - points, factor: factor))
            }
            points = factored
        }
        let campaign = campaigns.filter { $0.applies(to: event) }.max { $0.multiplier < $1.multiplier }
        if let campaign {
            exact *= campaign.multiplier
            let multiplied = Self.rounded(exact)
            breakdown.append(AwardLine(rule: "campaigns.\(campaign.id)", points: multiplied - points, factor: campaign.multiplier))
            points = multiplied
        }

        var status = AwardStatus.awarded
        let content = event.contentId.map { ContentKey(action: event.action, contentId: $0) }
        if rule.oncePerContent, let content, state.contents.contains(content) {
            breakdown.append(AwardLine(rule: "actions.\(event.action).oncePerContent", points: -points))
            points = 0
            status = .oncePerContent
        } else {
            let day = calendar.localDate(of: event.occurredAt)
            for (index, cap) in caps.enumerated() where cap.covers(event.action) && points > 0 {
                let before = state.total(days: cap.per == .day ? [day] : calendar.weekDays(containing: day), action: cap.action)
                var allowed = points
                if let maxCount = cap.maxCount, before.earning >= maxCount { allowed = 0 }
                if let maxPoints = cap.maxPoints { allowed = min(allowed, Int(max(0, Int64(maxPoints) - before.points))) }
                if allowed < points {
                    breakdown.append(AwardLine(rule: "caps[\(index)]", points: allowed - points))
                    points = allowed
                    status = .capped
                }
            }
        }

        state.record(.event(points: points), at: ActivityKey(day: calendar.localDate(of: event.occurredAt), action: event.action))
        if points > 0, rule.oncePerContent, let content { state.contents.insert(content) }
        return Award(status: status, points: points, breakdown: breakdown, rulesVersion: version, campaign: campaign?.id)
    }

    private static func rounded(_ value: Double) -> Int {
        Int(value.rounded(.toNearestOrAwayFromZero))
    }
}

extension ScoringState {
    /// Takes a retracted event out of the member's history, as if it had never arrived: its activity (when the rules
    /// scored it) and the content it claimed. Later events keep what they were given.
    public mutating func retract(_ event: Event, award: Award, claimedContent: Bool, calendar: PeriodCalendar) {
        if award.status.isScored {
            record(.event(points: award.points, sign: -1), at: ActivityKey(day: calendar.localDate(of: event.occurredAt), action: event.action))
        }
        if claimedContent, let contentId = event.contentId {
            contents.remove(ContentKey(action: event.action, contentId: contentId))
        }
    }
}
