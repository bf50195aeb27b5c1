import Foundation

/// A ruleset as HR sent it, read and checked on its own; `RulesetHistory.schedule` then numbers it and checks when it
/// takes effect.
public struct RulesetProposal: Sendable, Equatable {
    /// Version 0 and the given `effectiveFrom` until scheduled.
    public var ruleset: Ruleset
    /// The `version` the document names, if any: the number it expects to get (a guard against concurrent changes).
    public var expectedVersion: Int?

    public init(ruleset: Ruleset, expectedVersion: Int? = nil) {
        self.ruleset = ruleset
        self.expectedVersion = expectedVersion
    }
}

extension Ruleset {
    public static let maximumActions = 100
    public static let maximumNetworks = 20
    public static let maximumCaps = 50
    public static let maximumCampaigns = 100
    public static let maximumLevels = 100
    public static let maximumPoints = 1_000_000
    public static let maximumFactor = 100.0
    public static let maximumNameLength = 200

    /// Reads a ruleset document (the contract's shape), naming every problem with its JSON path: unknown fields,
    /// missing ones, values of the wrong type or out of range, caps and campaigns naming actions the document does not
    /// score, campaigns ending before they start, levels not starting at 0 or not increasing.
    public static func parse(_ document: JSONValue) -> Result<RulesetProposal, ValidationFailure> {
        var reader = DocumentReader()
        guard let fields = reader.object(document, at: "", allowed: ["version", "effectiveFrom", "actions", "caps", "campaigns", "levels"]) else {
            return .failure(ValidationFailure(problems: reader.problems))
        }
        let expectedVersion = fields["version"].flatMap { reader.integer($0, at: "version", in: 1...Int64(Int32.max)) }.map(Int.init)
        let effectiveFrom = fields["effectiveFrom"].flatMap { reader.instant($0, at: "effectiveFrom") }

        var actions: [String: ActionRule] = [:]
        if let value = fields["actions"] {
            let entries = reader.object(value, at: "actions") ?? [:]
            if entries.isEmpty, case .object = value { reader.problem("actions", "must name at least one action") }
            if entries.count > maximumActions { reader.problem("actions", "at most \(maximumActions) actions") }
            for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
                let path = "actions.\(name)"
                if !Identifier.isValid(name) { reader.problem(path, "an action name must be 1-128 characters of A-Z a-z 0-9 . _ : @ -") }
                guard let rule = reader.object(value, at: path, allowed: ["points", "networks", "oncePerContent"]) else { continue }
                let points = rule["points"].flatMap { reader.integer($0, at: "\(path).points", in: 0...Int64(maximumPoints)) }
                if rule["points"] == nil { reader.problem("\(path).points", "is required") }
                var networks: [String: Double] = [:]
                if let value = rule["networks"] {
                    let factors = reader.object(value, at: "\(path).networks") ?? [:]
                    if factors.count > maximumNetworks { reader.problem("\(path).networks", "at most \(maximumNetworks) networks") }
                    for (network, factor) in factors.sorted(by: { $0.key < $1.key }) {
                        if !Identifier.isValid(network) || network.utf8.count > 64 {
                            reader.problem("\(path).networks.\(network)", "a network name must be 1-64 characters of A-Z a-z 0-9 . _ : @ -")
                        }
                        networks[network] = reader.factor(factor, at: "\(path).networks.\(network)")
                    }
                }
                let once = rule["oncePerContent"].flatMap { reader.bool($0, at: "\(path).oncePerContent") } ?? false
                if let points { actions[name] = ActionRule(points: Int(points), networks: networks, oncePerContent: once) }
            }
        } else {
            reader.problem("actions", "is required")
        }
        var known: Set<String> = []
        if case let .object(entries)? = fields["actions"] { known = Set(entries.keys) }
        func knownAction(_ value: JSONValue, at path: String) -> String? {
            guard let action = reader.string(value, at: path) else { return nil }
            guard known.contains(action) else {
                reader.problem(path, "names an action this ruleset does not score")
                return nil
            }
            return action
        }

        var caps: [Cap] = []
        for (index, value) in (fields["caps"].flatMap { reader.array($0, at: "caps", maximum: maximumCaps) } ?? []).enumerated() {
            let path = "caps[\(index)]"
            guard let cap = reader.object(value, at: path, allowed: ["action", "per", "maxCount", "maxPoints"]) else { continue }
            let action = cap["action"].flatMap { knownAction($0, at: "\(path).action") }
            let per = cap["per"].flatMap { reader.choice($0, at: "\(path).per", CapWindow.self) }
            if cap["per"] == nil { reader.problem("\(path).per", "is required: day or week") }
            let maxCount = cap["maxCount"].flatMap { reader.integer($0, at: "\(path).maxCount", in: 1...Int64(maximumPoints)) }
            let maxPoints = cap["maxPoints"].flatMap { reader.integer($0, at: "\(path).maxPoints", in: 1...Int64(Int32.max)) }
            if cap["maxCount"] == nil && cap["maxPoints"] == nil { reader.problem(path, "needs maxCount, maxPoints or both") }
            if let per, maxCount != nil || maxPoints != nil, cap["action"] == nil || action != nil {
                caps.append(Cap(action: action, per: per, maxCount: maxCount.map(Int.init), maxPoints: maxPoints.map(Int.init)))
            }
        }

        var campaigns: [Campaign] = []
        var campaignIds: Set<String> = []
        for (index, value) in (fields["campaigns"].flatMap { reader.array($0, at: "campaigns", maximum: maximumCampaigns) } ?? []).enumerated() {
            let path = "campaigns[\(index)]"
            guard let campaign = reader.object(value, at: path, allowed: ["id", "name", "from", "to", "tags", "actions", "multiplier"]) else { continue }
            var required: [String: JSONValue] = [:]
            for field in ["id", "name", "from", "to", "multiplier"] {
                if let value = campaign[field] { required[field] = value } else { reader.problem("\(path).\(field)", "is required") }
            }
            let id = required["id"].flatMap { reader.string($0, at: "\(path).id") }
            if let id {
                if !Identifier.isValid(id) { reader.problem("\(path).id", "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -") }
                if !campaignIds.insert(id).inserted { reader.problem("\(path).id", "is the id of an earlier campaign") }
            }
            let name = required["name"].flatMap { reader.text($0, at: "\(path).name") }
            let from = required["from"].flatMap { reader.instant($0, at: "\(path).from") }
            let to = required["to"].flatMap { reader.instant($0, at: "\(path).to") }
            if let from, let to, to <= from { reader.problem("\(path).to", "must be after from") }
            let tags = (campaign["tags"].flatMap { reader.array($0, at: "\(path).tags", maximum: EventDraft.maximumTags) } ?? [])
                .enumerated().compactMap { reader.text($1, at: "\(path).tags[\($0)]", maximumLength: EventDraft.maximumTagLength) }
            let actions = (campaign["actions"].flatMap { reader.array($0, at: "\(path).actions", maximum: maximumActions) } ?? [])
                .enumerated().compactMap { knownAction($1, at: "\(path).actions[\($0)]") }
            let multiplier = required["multiplier"].flatMap { reader.factor($0, at: "\(path).multiplier") }
            if let id, let name, let from, let to, let multiplier {
                campaigns.append(Campaign(id: id, name: name, from: from, to: to, tags: tags, actions: actions, multiplier: multiplier))
            }
        }

        var levels: [Level] = []
        for (index, value) in (fields["levels"].flatMap { reader.array($0, at: "levels", maximum: maximumLevels) } ?? []).enumerated() {
            let path = "levels[\(index)]"
            guard let level = reader.object(value, at: path, allowed: ["name", "minPoints"]) else { continue }
            let name = level["name"].flatMap { reader.text($0, at: "\(path).name") }
            if level["name"] == nil { reader.problem("\(path).name", "is required") }
            let minPoints = level["minPoints"].flatMap { reader.integer($0, at: "\(path).minPoints", in: 0...Int64(Int32.max) * 1000) }
            if level["minPoints"] == nil { reader.problem("\(path).minPoints", "is required") }
            if let minPoints {
                if index == 0, minPoints != 0 { reader.problem("\(path).minPoints", "the first level must start at 0") }
                if let previous = levels.last, minPoints <= previous.minPoints {
                    reader.problem("\(path).minPoints", "must be more than the previous level's \(previous.minPoints)")
                }
            }
            if let name, let minPoints { levels.append(Level(name: name, minPoints: minPoints)) }
        }

        guard reader.problems.isEmpty else { return .failure(ValidationFailure(problems: reader.problems)) }
        return .success(RulesetProposal(ruleset: Ruleset(version: 0, effectiveFrom: effectiveFrom, actions: actions, caps: caps,
                                                         campaigns: campaigns, levels: levels),
                                        expectedVersion: expectedVersion))
    }

    /// The ruleset as the contract shows it (and PostgreSQL stores it), instants written in `timeZone`.
    public func document(in timeZone: TimeZone) -> JSONValue {
        func instant(_ date: Date) -> JSONValue { .string(RFC3339.format(date, in: timeZone)) }
        func factor(_ value: Double) -> JSONValue { value == value.rounded() && abs(value) < 1e15 ? .integer(Int64(value)) : .number(value) }
        let document: [String: JSONValue] = [
            "version": .integer(Int64(version)),
            "effectiveFrom": effectiveFrom.map(instant) ?? .null,
            "actions": .object(actions.mapValues { rule in
                var fields: [String: JSONValue] = ["points": .integer(Int64(rule.points))]
                if !rule.networks.isEmpty { fields["networks"] = .object(rule.networks.mapValues(factor)) }
                if rule.oncePerContent { fields["oncePerContent"] = .bool(true) }
                return .object(fields)
            }),
            "caps": .array(caps.map { cap in
                var fields: [String: JSONValue] = ["per": .string(cap.per.rawValue)]
                if let action = cap.action { fields["action"] = .string(action) }
                if let maxCount = cap.maxCount { fields["maxCount"] = .integer(Int64(maxCount)) }
                if let maxPoints = cap.maxPoints { fields["maxPoints"] = .integer(Int64(maxPoints)) }
                return .object(fields)
            }),
            "campaigns": .array(campaigns.map { campaign in
                var fields: [String: JSONValue] = [
                    "id": .string(campaign.id), "name": .string(campaign.name), "from": instant(campaign.from), "to": instant(campaign.to),
                    "multiplier": factor(campaign.multiplier),
                ]
                if !campaign.tags.isEmpty { fields["tags"] = .array(campaign.tags.map(JSONValue.string)) }
                if !campaign.actions.isEmpty { fields["actions"] = .array(campaign.actions.map(JSONValue.string)) }
                return .object(fields)
            }),
            "levels": .array(levels.map { .object(["name": .string($0.name), "minPoints": .integer($0.minPoints)]) }),
        ]
        return .object(document)
    }
}

/// Reads the fields of a JSON document, noting a problem for each one that is missing, of the wrong type or out of
/// range, with its path.
struct DocumentReader {
    private(set) var problems: [FieldProblem] = []

    mutating func problem(_ path: String, _ text: String) {
        problems.append(FieldProblem(field: path, problem: text))
    }

    private mutating func wrongType(_ value: JSONValue, at path: String, expected: String) {
        problem(path, "must be \(expected), not \(value.kindName)")
    }

    /// The object's fields; with `allowed`, every other field is a problem ("unknown field").
    mutating func object(_ value: JSONValue, at path: String, allowed: Set<String>? = nil) -> [String: JSONValue]? {
        guard case let .object(fields) = value else {
            wrongType(value, at: path, expected: "an object")
            return nil
        }
        if let allowed {
            for name in fields.keys.sorted() where !allowed.contains(name) {
                problem(path.isEmpty ? name : "\(path).\(name)", "unknown field; expected one of: \(allowed.sorted().joined(separator: ", "))")
            }
        }
        return fields
    }

    mutating func array(_ value: JSONValue, at path: String, maximum: Int) -> [JSONValue]? {
        guard case let .array(items) = value else {
            wrongType(value, at: path, expected: "an array")
            return nil
        }
        if items.count > maximum {
            problem(path, "at most \(maximum) items")
            return nil
        }
        return items
    }

    mutating func integer(_ value: JSONValue, at path: String, in range: ClosedRange<Int64>) -> Int64? {
        let integer: Int64?
        switch value {
        case let .integer(found): integer = found
        case let .number(found) where found == found.rounded() && abs(found) < 9e15: integer = Int64(found)
        case .number:
            problem(path, "must be a whole number")
            return nil
        default:
            wrongType(value, at: path, expected: "a whole number")
            return nil
        }
        guard let integer, range.contains(integer) else {
            problem(path, "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return integer
    }

    /// A network factor or campaign multiplier: a number above 0, at most `Ruleset.maximumFactor`.
    mutating func factor(_ value: JSONValue, at path: String) -> Double? {
        guard let number = value.double else {
            wrongType(value, at: path, expected: "a number")
            return nil
        }
        guard number > 0, number <= Ruleset.maximumFactor else {
            problem(path, "must be more than 0 and at most \(Int(Ruleset.maximumFactor))")
            return nil
        }
        return number
    }

    mutating func bool(_ value: JSONValue, at path: String) -> Bool? {
        guard case let .bool(flag) = value else {
            wrongType(value, at: path, expected: "true or false")
            return nil
        }
        return flag
    }

    mutating func string(_ value: JSONValue, at path: String) -> String? {
        guard case let .string(text) = value else {
            wrongType(value, at: path, expected: "a string")
            return nil
        }
        return text
    }

    /// Free text shown to people (a name, a tag): no control characters, not empty, not too long.
    mutating func text(_ value: JSONValue, at path: String, maximumLength: Int = Ruleset.maximumNameLength) -> String? {
        guard let text = string(value, at: path) else { return nil }
        let found = CallerText.problems(text, field: path, maximumLength: maximumLength)
        problems += found
        return found.isEmpty ? text : nil
    }

    mutating func instant(_ value: JSONValue, at path: String) -> Date? {
        guard let text = string(value, at: path) else { return nil }
        guard let date = RFC3339.parse(text) else {
            problem(path, "must be an RFC 3339 timestamp with an offset, e.g. 2026-12-01T00:00:00+01:00")
            return nil
        }
        return date
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ value: JSONValue, at path: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(value, at: path) else { return nil }
        guard let found = T(rawValue: text) else {
            problem(path, "must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return found
    }
}
