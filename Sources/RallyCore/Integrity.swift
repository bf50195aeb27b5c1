import Foundation

/// A pattern of point farming a program may watch for.
public enum IntegrityRule: String, Sendable, CaseIterable, Comparable {
    /// More than `limit` events from one member within a minute (60 seconds of `occurredAt`).
    case burstPerMinute
    /// More than `limit` likes or comments between the same two members (either way) on one local day: a ring.
    case pairPerDay
    /// The same `contentId` posted again by the member who posted it.
    case repeatedContent
    /// A member engaging with content they posted (the platform said so with the `post` event naming it).
    case selfEngagement

    /// Whether the rule counts up to a limit.
    public var hasLimit: Bool { self == .burstPerMinute || self == .pairPerDay }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The integrity rules a program sets (`PATCH …/programs/{id}` `integrity`), each flagging only or also holding the
/// points of the events that break it until an admin reviews the flag.
public struct IntegrityRules: Sendable, Equatable {
    public struct Setting: Sendable, Equatable {
        /// For a rule that counts: the most it allows.
        public var limit: Int?
        /// Whether the points of the events that break it are held.
        public var hold: Bool

        public init(limit: Int? = nil, hold: Bool) {
            self.limit = limit
            self.hold = hold
        }
    }

    public var settings: [IntegrityRule: Setting]

    public init(_ settings: [IntegrityRule: Setting] = [:]) {
        self.settings = settings
    }

    public static let limitRange: ClosedRange<Int64> = 1...100_000
    /// The actions the pair rule counts.
    public static let engagementActions: Set<String> = ["like", "comment"]
    /// The action that makes a member the poster of a content.
    public static let postAction = "post"

    public var isEmpty: Bool { settings.isEmpty }
    /// Whether checking needs the members' recent events' instants.
    public var readsTimes: Bool { settings[.burstPerMinute] != nil }
    /// Whether checking needs who posted the contents named.
    public var readsPosters: Bool { settings[.pairPerDay] != nil || settings[.repeatedContent] != nil || settings[.selfEngagement] != nil }

    /// The rules as the program's settings show them: `{"burstPerMinute": {"limit": 20, "hold": false}, …}`.
    public var document: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: settings.map { rule, setting in
            var fields: [String: JSONValue] = ["hold": .bool(setting.hold)]
            if let limit = setting.limit { fields["limit"] = .integer(Int64(limit)) }
            return (rule.rawValue, JSONValue.object(fields))
        }))
    }

    /// Reads rules written as `document` shows them (each rule optional; `hold` false when absent); every problem
    /// named under `path`.
    public static func parse(_ value: JSONValue, at path: String) -> Result<IntegrityRules, ValidationFailure> {
        var reader = DocumentReader()
        guard let fields = reader.object(value, at: path, allowed: Set(IntegrityRule.allCases.map(\.rawValue))) else {
            return .failure(ValidationFailure(problems: reader.problems))
        }
        var settings: [IntegrityRule: Setting] = [:]
        for rule in IntegrityRule.allCases {
            guard let given = fields[rule.rawValue] else { continue }
            let rulePath = "\(path).\(rule.rawValue)"
            guard let ruleFields = reader.object(given, at: rulePath, allowed: rule.hasLimit ? ["limit", "hold"] : ["hold"]) else { continue }
            var setting = Setting(hold: false)
            if let hold = ruleFields["hold"] { setting.hold = reader.bool(hold, at: "\(rulePath).hold") ?? false }
            if rule.hasLimit {
                if let limit = ruleFields["limit"] {
                    setting.limit = reader.integer(limit, at: "\(rulePath).limit", in: limitRange).map(Int.init)
                } else {
                    reader.problem("\(rulePath).limit", "is required")
                }
            }
            settings[rule] = setting
        }
        return reader.problems.isEmpty ? .success(IntegrityRules(settings)) : .failure(ValidationFailure(problems: reader.problems))
    }

    /// Checks a new event against the rules on what its program's members did before it, which it then joins (whether
    /// or not it breaks a rule). `day` is the event's local day (`YYYY-MM-DD`).
    public func check(_ event: Event, day: String, history: inout IntegrityHistory) -> IntegrityCheck {
        var result = IntegrityCheck()
        result.findings = findings(event, day: day, history: &history, engaged: &result.engagedMember)
        return result
    }

    private func findings(_ event: Event, day: String, history: inout IntegrityHistory, engaged: inout String?) -> [IntegrityFinding] {
        var findings: [IntegrityFinding] = []
        if let burst = settings[.burstPerMinute], let limit = burst.limit {
            let window = history.record(event.occurredAt, of: event.memberId)
            if window.count > limit {
                findings.append(IntegrityFinding(rule: .burstPerMinute, hold: burst.hold, subject: day, evidence: .object([
                    "summary": .string("\(window.count) events within a minute, more than the limit of \(limit)"),
                    "limit": .integer(Int64(limit)), "count": .integer(Int64(window.count)),
                    "from": .string(RFC3339.format(window.from, in: .gmt)), "to": .string(RFC3339.format(window.to, in: .gmt)),
                ])))
            }
        }
        guard let contentId = event.contentId else { return findings }
        let owner = history.posters[contentId]?.first
        if event.action == Self.postAction {
            if let repeated = settings[.repeatedContent], let earlier = history.posters[contentId]?.first(where: { $0.memberId == event.memberId }) {
                findings.append(IntegrityFinding(rule: .repeatedContent, hold: repeated.hold, subject: contentId, evidence: .object([
                    "summary": .string("content '\(contentId)' posted again"),
                    "contentId": .string(contentId), "firstEventId": .string(earlier.eventId),
                ])))
            }
            history.post(contentId, by: event.memberId, eventId: event.id)
            return findings
        }
        guard let owner else { return findings }
        if owner.memberId == event.memberId {
            if let selfEngagement = settings[.selfEngagement] {
                findings.append(IntegrityFinding(rule: .selfEngagement, hold: selfEngagement.hold, subject: contentId, evidence: .object([
                    "summary": .string("\(event.action) on their own content '\(contentId)'"),
                    "contentId": .string(contentId), "action": .string(event.action), "postEventId": .string(owner.eventId),
                ])))
            }
        } else if let pair = settings[.pairPerDay], let limit = pair.limit, Self.engagementActions.contains(event.action) {
            let key = MemberPair(day: day, event.memberId, owner.memberId)
            let count = history.pairs[key, default: 0] + 1
            history.pairs[key] = count
            engaged = owner.memberId
            if count > limit {
                findings.append(IntegrityFinding(rule: .pairPerDay, hold: pair.hold, subject: "\(day)/\(owner.memberId)", evidence: .object([
                    "summary": .string("\(count) likes and comments with \(owner.memberId) on \(day), more than the limit of \(limit)"),
                    "limit": .integer(Int64(limit)), "count": .integer(Int64(count)), "day": .string(day), "otherMemberId": .string(owner.memberId),
                ])))
            }
        }
        return findings
    }
}

/// What checking one event found: the rules it broke, and the member whose content it engaged with when the pair rule
/// counted it (the count the commit then keeps).
public struct IntegrityCheck: Sendable, Equatable {
    public var findings: [IntegrityFinding] = []
    public var engagedMember: String?

    public init() {}
}

/// Two members on one local day, in either order.
public struct MemberPair: Hashable, Sendable {
    public var day: String
    public var first: String
    public var second: String

    public init(day: String, _ one: String, _ other: String) {
        self.day = day
        (first, second) = one < other ? (one, other) : (other, one)
    }
}

/// What the integrity rules know of a program's members before the events being checked: the instants of their
/// recorded events near them, who posted the contents they name (in the order recorded) and the likes and comments
/// between pairs of members per local day. Each event checked joins it.
public struct IntegrityHistory: Sendable, Equatable {
    public struct Poster: Sendable, Equatable {
        public var memberId: String
        public var eventId: String

        public init(memberId: String, eventId: String) {
            self.memberId = memberId
            self.eventId = eventId
        }
    }

    /// Each member's events' instants, sorted.
    public var times: [String: [Date]] = [:]
    public var posters: [String: [Poster]] = [:]
    public var pairs: [MemberPair: Int] = [:]

    public init(times: [String: [Date]] = [:], posters: [String: [Poster]] = [:], pairs: [MemberPair: Int] = [:]) {
        self.times = times.mapValues { $0.sorted() }
        self.posters = posters
        self.pairs = pairs
    }

    /// How long a burst lasts at most.
    public static let minute: TimeInterval = 60

    /// Adds an event's instant to its member's, and answers the busiest minute that contains it: the most events
    /// whose instants lie less than a minute from the first to the last, and those two instants.
    mutating func record(_ instant: Date, of memberId: String) -> (count: Int, from: Date, to: Date) {
        var instants = times[memberId] ?? []
        let index = instants.firstIndex { $0 > instant } ?? instants.endIndex
        instants.insert(instant, at: index)
        times[memberId] = instants
        var best = (count: 1, from: instant, to: instant)
        var start = index
        while start > 0, instant.timeIntervalSince(instants[start - 1]) < Self.minute { start -= 1 }
        var end = start
        for first in start...index {
            while end + 1 < instants.count, instants[end + 1].timeIntervalSince(instants[first]) < Self.minute { end += 1 }
            if end - first + 1 > best.count { best = (end - first + 1, instants[first], instants[end]) }
        }
        return best
    }

    mutating func post(_ contentId: String, by memberId: String, eventId: String) {
        guard posters[contentId]?.contains(where: { $0.memberId == memberId }) != true else { return }
        posters[contentId, default: []].append(Poster(memberId: memberId, eventId: eventId))
    }
}

/// A rule an event broke: the flag it goes to (one open flag per member, rule and subject) and what shows it.
public struct IntegrityFinding: Sendable, Equatable {
    public var rule: IntegrityRule
    /// Whether the event's points are held.
    public var hold: Bool
    /// The local day (a burst), the day and the other member (a pair) or the content.
    public var subject: String
    /// The numbers, for people: `summary`, and the rule's own (`limit`, `count`, `contentId`, …).
    public var evidence: JSONValue
}
