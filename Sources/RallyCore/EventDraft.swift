import Foundation

/// An event as a platform sent it, before validation: every field optional so that each problem can be named.
public struct EventDraft: Sendable, Equatable {
    public var id: String?
    public var memberId: String?
    public var action: String?
    public var network: String?
    public var contentId: String?
    public var occurredAt: String?
    public var tags: [String]?

    public init(id: String?, memberId: String?, action: String?, network: String?, contentId: String?, occurredAt: String?, tags: [String]?) {
        self.id = id
        self.memberId = memberId
        self.action = action
        self.network = network
        self.contentId = contentId
        self.occurredAt = occurredAt
        self.tags = tags
    }

    public static let maximumTags = 20
    public static let maximumTagLength = 64
    public static let maximumContentIdLength = 512

    /// The event, or every problem found; an action no version of the rules scores is a problem, and so is an
    /// `occurredAt` outside the program's window (`settings`) around `now`.
    public func validated(against rules: RulesetHistory, settings: ProgramSettings = .defaults, now: Date) -> Result<Event, ValidationFailure> {
        var problems: [FieldProblem] = []
        func identifier(_ value: String?, _ field: String) -> String {
            guard let value else {
                problems.append(FieldProblem(field: field, problem: "is required"))
                return ""
            }
            problems += Identifier.problems(value, field: field)
            return value
        }
        let id = identifier(id, "id")
        let memberId = identifier(memberId, "memberId")
        let action = action ?? ""
        if self.action == nil {
            problems.append(FieldProblem(field: "action", problem: "is required"))
        } else if !rules.knownActions.contains(action) {
            let known = rules.knownActions.sorted().joined(separator: ", ")
            let shown = CallerText.problem(action, maximumLength: Identifier.maximumLength) == nil ? "'\(action)'" : "given"
            problems.append(FieldProblem(field: "action", problem: "unknown action \(shown); this program scores: \(known)"))
        }
        if let network, !Identifier.isValid(network) || network.utf8.count > 64 {
            problems.append(FieldProblem(field: "network", problem: "must be 1-64 characters of A-Z a-z 0-9 . _ : @ -"))
        }
        problems += CallerText.problems(contentId, field: "contentId", maximumLength: Self.maximumContentIdLength)
        var instant = Date(timeIntervalSince1970: 0)
        if let occurredAt {
            let (parsed, found) = settings.instant(occurredAt, now: now, field: "occurredAt")
            instant = parsed ?? instant
            problems += found
        } else {
            problems.append(FieldProblem(field: "occurredAt", problem: "is required"))
        }
        let tags = tags ?? []
        if tags.count > Self.maximumTags {
            problems.append(FieldProblem(field: "tags", problem: "at most \(Self.maximumTags) tags"))
        }
        for (index, tag) in tags.enumerated() {
            problems += CallerText.problems(tag, field: "tags[\(index)]", maximumLength: Self.maximumTagLength)
        }
        guard problems.isEmpty else { return .failure(ValidationFailure(problems: problems)) }
        return .success(Event(id: id, memberId: memberId, action: action, network: network, contentId: contentId, occurredAt: instant, tags: tags))
    }
}

/// A request that is well-formed but invalid, with every field at fault.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var problems: [FieldProblem]

    public init(problems: [FieldProblem]) {
        self.problems = problems
    }
}
