import Foundation
import RallyCore

/// The rules page's form view: a ruleset as rows HR fills in (actions, caps, campaigns, levels), turned into the same
/// JSON document the API takes, and back. Rows left blank are dropped; a value that is not a number stays text, so
/// that the ruleset's own checks name it with its path.
struct RulesForm {
    struct Row {
        var values: [String: String] = [:]
        var problems: [FieldProblem] = []

        var isBlank: Bool { values.values.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        subscript(_ name: String) -> String { values[name] ?? "" }
    }

    /// The groups of rows, their fields in order.
    static let groups: [(name: String, fields: [String])] = [
        ("actions", ["name", "points", "networks", "oncePerContent"]),
        ("caps", ["action", "per", "maxCount", "maxPoints"]),
        ("campaigns", ["id", "name", "from", "to", "tags", "actions", "multiplier"]),
        ("levels", ["name", "minPoints"]),
    ]

    var rows: [String: [Row]] = [:]
    /// Problems of the form itself (a network written wrongly), by document path.
    private(set) var problems: [FieldProblem] = []

    /// The rows of a draft document (nothing when it is not a ruleset's shape).
    init(document: JSONValue?) {
        guard case let .object(fields)? = document else { return }
        func text(_ value: JSONValue?) -> String {
            switch value {
            case let .string(text)?: text
            case let .integer(number)?: String(number)
            case let .number(number)?: String(number)
            case let .bool(flag)?: flag ? "on" : ""
            case let .array(items)?: items.map { text($0) }.joined(separator: ", ")
            default: ""
            }
        }
        if case let .object(actions)? = fields["actions"] {
            rows["actions"] = actions.sorted { $0.key < $1.key }.map { name, rule in
                guard case let .object(rule) = rule else { return Row(values: ["name": name]) }
                var networks = ""
                if case let .object(factors)? = rule["networks"] {
                    networks = factors.sorted { $0.key < $1.key }.map { "\($0.key) \(text($0.value))" }.joined(separator: ", ")
                }
                return Row(values: ["name": name, "points": text(rule["points"]), "networks": networks, "oncePerContent": text(rule["oncePerContent"])])
            }
        }
        for group in Self.groups.dropFirst() {
            guard case let .array(items)? = fields[group.name] else { continue }
            rows[group.name] = items.map { item in
                guard case let .object(item) = item else { return Row() }
                return Row(values: Dictionary(uniqueKeysWithValues: group.fields.map { ($0, text(item[$0])) }))
            }
        }
    }

    /// The rows a form view posted (`actions.0.name`, …), blank ones dropped.
    init(form: ConsoleForm) {
        for group in Self.groups {
            var found: [Row] = []
            for index in 0..<200 {
                let row = Row(values: Dictionary(uniqueKeysWithValues: group.fields.map { ($0, form["\(group.name).\(index).\($0)"] ?? "") }))
                if !row.isBlank { found.append(row) }
            }
            rows[group.name] = found
        }
    }

    /// The ruleset document the rows describe.
    mutating func document() -> JSONValue {
        func number(_ text: String) -> JSONValue {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let integer = Int64(trimmed) { return .integer(integer) }
            if let number = Double(trimmed), number.isFinite { return .number(number) }
            return .string(text)
        }
        func list(_ text: String) -> JSONValue {
            .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != .string("") })
        }
        var actions: [String: JSONValue] = [:]
        for row in rows["actions"] ?? [] {
            var rule: [String: JSONValue] = [:]
            if !row["points"].isEmpty { rule["points"] = number(row["points"]) }
            if !row["networks"].trimmingCharacters(in: .whitespaces).isEmpty {
                var factors: [String: JSONValue] = [:]
                for entry in row["networks"].split(separator: ",") {
                    let parts = entry.split(whereSeparator: { $0 == " " || $0 == ":" })
                    guard parts.count == 2 else {
                        problems.append(FieldProblem(field: "actions.\(row["name"]).networks",
                                                     problem: "write each network as its name and its factor, such as: linkedin 1.5, x 1"))
                        continue
                    }
                    factors[String(parts[0])] = number(String(parts[1]))
                }
                rule["networks"] = .object(factors)
            }
            if !row["oncePerContent"].isEmpty { rule["oncePerContent"] = .bool(true) }
            actions[row["name"].trimmingCharacters(in: .whitespaces)] = .object(rule)
        }
        func objects(_ group: String, numbers: Set<String>, lists: Set<String> = []) -> JSONValue {
            let fields = Self.groups.first { $0.name == group }!.fields
            return .array((rows[group] ?? []).map { row in
                var object: [String: JSONValue] = [:]
                for field in fields where !row[field].trimmingCharacters(in: .whitespaces).isEmpty {
                    object[field] = numbers.contains(field) ? number(row[field]) : lists.contains(field) ? list(row[field]) : .string(row[field])
                }
                return .object(object)
            })
        }
        return .object([
            "actions": .object(actions),
            "caps": objects("caps", numbers: ["maxCount", "maxPoints"]),
            "campaigns": objects("campaigns", numbers: ["multiplier"], lists: ["tags", "actions"]),
            "levels": objects("levels", numbers: ["minPoints"]),
        ])
    }

    /// Hands each problem to its row (`actions.share.points` to the action named share, `caps[1].per` to the second cap);
    /// returns those of no row.
    mutating func place(_ found: [FieldProblem]) -> [FieldProblem] {
        var unplaced: [FieldProblem] = []
        for problem in found {
            let path = problem.field
            if path.hasPrefix("actions."), let index = rows["actions"]?.firstIndex(where: { path == "actions.\($0["name"])" || path.hasPrefix("actions.\($0["name"]).") }) {
                rows["actions"]![index].problems.append(problem)
                continue
            }
            if let group = Self.groups.dropFirst().first(where: { path.hasPrefix("\($0.name)[") }),
               let close = path.firstIndex(of: "]"), let index = Int(path[path.index(path.startIndex, offsetBy: group.name.count + 1)..<close]),
               rows[group.name]?.indices.contains(index) == true {
                rows[group.name]![index].problems.append(problem)
                continue
            }
            unplaced.append(problem)
        }
        return unplaced
    }

    /// The template's model: each group's rows and `blank` empty ones to add to, each field with its name in the form.
    func model(blank: Int, text: RulesFormText, actions: [String]) -> [[String: Any]] {
        Self.groups.map { group in
            let filled = rows[group.name] ?? []
            let shown = filled + Array(repeating: Row(), count: blank)
            return [
                "group": group.name, "legend": text.legend(group.name),
                "rows": shown.enumerated().map { index, row -> [String: Any] in
                    [
                        "row": "\(group.name).\(index)", "number": index + 1, "invalid": !row.problems.isEmpty,
                        "problems": row.problems.map { ["field": $0.field, "problem": $0.problem] },
                        "fields": group.fields.map { field -> [String: Any] in
                            var model: [String: Any] = ["name": "\(group.name).\(index).\(field)", "label": text.label(field), "value": row[field]]
                            switch field {
                            case "oncePerContent": model["isCheck"] = true; model["checked"] = !row[field].isEmpty
                            case "per": model["options"] = ["", "day", "week", "month"].map { ["value": $0, "label": $0.isEmpty ? "—" : $0, "selected": row[field] == $0] as [String: Any] }
                            case "action" where group.name == "caps":
                                model["options"] = ([""] + actions).map { ["value": $0, "label": $0.isEmpty ? text.allActions : $0, "selected": row[field] == $0] as [String: Any] }
                            default: model["isInput"] = true
                            }
                            if model["options"] != nil { model["isSelect"] = true }
                            return model
                        },
                    ]
                },
            ]
        }
    }
}
