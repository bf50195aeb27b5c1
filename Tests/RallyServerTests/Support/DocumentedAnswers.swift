import Foundation
import RallyCore

/// What `/openapi.json` promises each answer: every answer a test receives is checked against its operation's schema for
/// its status, so that a field renamed, a `null` where the document says absent, or a status the document does not list
/// fails the test that saw it (the hand-written answer types ignore extra keys and cannot tell `null` from absent).
struct DocumentedAnswers: Sendable {
    private struct Operation: Sendable {
        var method: String
        var segments: [String]
        var responses: [String: JSONValue]
    }

    private let document: JSONValue
    private let operations: [Operation]

    /// The document the server serves, read from the source tree.
    static let served: DocumentedAnswers = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/RallyServer/openapi.json")
        guard let data = try? Data(contentsOf: url), let document = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            fatalError("cannot read \(url.path)")
        }
        return DocumentedAnswers(document: document)
    }()

    init(document: JSONValue) {
        self.document = document
        var operations: [Operation] = []
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                guard let responses = operation["responses"]?.objectValue else { continue }
                operations.append(Operation(method: method.uppercased(), segments: path.split(separator: "/").map(String.init), responses: responses))
            }
        }
        // The most literal template first: `/members/batch` before `/members/{memberId}`.
        self.operations = operations.sorted { $0.segments.filter { !$0.hasPrefix("{") }.count > $1.segments.filter { !$0.hasPrefix("{") }.count }
    }

    /// What is wrong with an answer to `method uri`, as sentences (none when it is as documented, or when no documented
    /// operation has this path and method: unknown routes and other methods are the router's, tested on their own).
    func problems(method: String, uri: String, status: Int, contentType: String?, body: [UInt8]) -> [String] {
        let segments = (uri.split(separator: "?", maxSplits: 1).first ?? "").split(separator: "/").map(String.init)
        guard let operation = operations.first(where: { $0.method == method && matches($0.segments, segments) }) else { return [] }
        let name = "\(method) /\(operation.segments.joined(separator: "/"))"
        guard var response = operation.responses[String(status)] ?? operation.responses["default"] else {
            return ["\(name) answered \(status), which the document does not list"]
        }
        response = resolved(response)
        guard let content = response["content"]?.objectValue, !content.isEmpty else {
            return body.isEmpty ? [] : ["\(name) answered \(status) with a body the document does not describe"]
        }
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let described = content[mediaType] else {
            return ["\(name) answered \(status) as '\(mediaType)', the document says \(content.keys.sorted())"]
        }
        guard mediaType == "application/json", let schema = described["schema"] else { return [] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            return ["\(name) answered \(status) with a body that is not JSON"]
        }
        var found: [String] = []
        validate(value, against: schema, at: "", into: &found)
        return found.map { "\(name) \(status): \($0)" }
    }

    private func matches(_ template: [String], _ segments: [String]) -> Bool {
        template.count == segments.count && zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }

    /// `value` with its `$ref` followed, within this document.
    private func resolved(_ value: JSONValue) -> JSONValue {
        var value = value
        while case let .string(reference)? = value["$ref"] {
            var target: JSONValue? = document
            for part in reference.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
            guard let target else { return .object([:]) }
            value = target
        }
        return value
    }

    // MARK: - JSON Schema (2020-12), the keywords the document uses

    /// `whole`: the schema is the whole description of `value`, not one part of a composition (`allOf`, `anyOf`…), so a
    /// member of an object that no part describes is reported: an answer may grow (clients ignore what they do not
    /// know), but what Rally sends is in the document.
    private func validate(_ value: JSONValue, against schema: JSONValue, at path: String, whole: Bool = true, into found: inout [String]) {
        let schema = resolved(schema)
        guard let keywords = schema.objectValue else {
            if schema == .bool(false) { found.append("\(shown(path)) is not allowed") }
            return
        }
        let at = shown(path)
        if let types = keywords["type"], !typeMatches(value, types) {
            found.append("\(at) is \(value.kindName), the document says \(describe(types))")
            return
        }
        if let allowed = keywords["enum"]?.arrayValue, !allowed.contains(where: { equal($0, value) }) {
            found.append("\(at) is \(brief(value)), not one of the documented values")
        }
        if let constant = keywords["const"], !equal(constant, value) { found.append("\(at) is \(brief(value)), the document says \(brief(constant))") }
        for sub in keywords["allOf"]?.arrayValue ?? [] { validate(value, against: sub, at: path, whole: false, into: &found) }
        if let options = keywords["anyOf"]?.arrayValue, !options.contains(where: { isValid(value, $0) }) {
            found.append("\(at) matches none of the documented shapes (anyOf)")
        }
        if let options = keywords["oneOf"]?.arrayValue, options.filter({ isValid(value, $0) }).count != 1 {
            found.append("\(at) does not match exactly one documented shape (oneOf)")
        }
        if let condition = keywords["if"] {
            if isValid(value, condition) {
                if let then = keywords["then"] { validate(value, against: then, at: path, whole: false, into: &found) }
            } else if let otherwise = keywords["else"] {
                validate(value, against: otherwise, at: path, whole: false, into: &found)
            }
        }
        switch value {
        case let .string(text): validateString(text, keywords, at: at, into: &found)
        case .integer, .number: validateNumber(value, keywords, at: at, into: &found)
        case let .array(items): validateArray(items, keywords, at: path, into: &found)
        case let .object(fields):
            validateObject(fields, keywords, at: path, into: &found)
            if whole, let described = describedNames(schema) {
                for name in fields.keys.sorted() where !described.contains(name) {
                    found.append("\(shown(path.isEmpty ? name : "\(path).\(name)")) is not described in the document")
                }
            }
        case .null, .bool: break
        }
    }

    private func isValid(_ value: JSONValue, _ schema: JSONValue) -> Bool {
        var found: [String] = []
        validate(value, against: schema, at: "", whole: false, into: &found)
        return found.isEmpty
    }

    /// The member names a schema and its parts describe, or nil when they let any through (`additionalProperties`) or
    /// name none (an object of any shape, such as a resource in the audit log).
    private func describedNames(_ schema: JSONValue) -> Set<String>? {
        var names: Set<String> = []
        var open = false
        func collect(_ schema: JSONValue) {
            let keywords = resolved(schema).objectValue ?? [:]
            if let additional = keywords["additionalProperties"], additional != .bool(false) { open = true }
            names.formUnion(keywords["properties"]?.objectValue?.keys ?? [:].keys)
            for part in ["allOf", "anyOf", "oneOf"].flatMap({ keywords[$0]?.arrayValue ?? [] }) + ["then", "else"].compactMap({ keywords[$0] }) {
                collect(part)
            }
        }
        collect(schema)
        return open || names.isEmpty ? nil : names
    }

    private func validateString(_ text: String, _ keywords: [String: JSONValue], at: String, into found: inout [String]) {
        let length = text.unicodeScalars.count
        if let minimum = keywords["minLength"]?.intValue, length < minimum { found.append("\(at) is shorter than \(minimum)") }
        if let maximum = keywords["maxLength"]?.intValue, length > maximum { found.append("\(at) is longer than \(maximum)") }
        if case let .string(pattern)? = keywords["pattern"], text.range(of: pattern, options: .regularExpression) == nil {
            found.append("\(at) '\(text)' does not match \(pattern)")
        }
        switch keywords["format"] {
        case .string("date-time")? where RFC3339.parse(text) == nil: found.append("\(at) '\(text)' is not an RFC 3339 date-time")
        case .string("date")? where text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil:
            found.append("\(at) '\(text)' is not a date")
        default: break
        }
    }

    private func validateNumber(_ value: JSONValue, _ keywords: [String: JSONValue], at: String, into found: inout [String]) {
        guard let number = value.double else { return }
        if let minimum = keywords["minimum"]?.double, number < minimum { found.append("\(at) is below \(minimum)") }
        if let maximum = keywords["maximum"]?.double, number > maximum { found.append("\(at) is above \(maximum)") }
        if let bound = keywords["exclusiveMinimum"]?.double, number <= bound { found.append("\(at) is not above \(bound)") }
    }

    private func validateArray(_ items: [JSONValue], _ keywords: [String: JSONValue], at path: String, into found: inout [String]) {
        let at = shown(path)
        if let minimum = keywords["minItems"]?.intValue, items.count < minimum { found.append("\(at) has fewer than \(minimum) items") }
        if let maximum = keywords["maxItems"]?.intValue, items.count > maximum { found.append("\(at) has more than \(maximum) items") }
        if keywords["uniqueItems"] == .bool(true), Set(items.map(brief)).count != items.count { found.append("\(at) repeats an item") }
        if let schema = keywords["items"] {
            for (index, item) in items.enumerated() { validate(item, against: schema, at: "\(path)[\(index)]", into: &found) }
        }
    }

    private func validateObject(_ fields: [String: JSONValue], _ keywords: [String: JSONValue], at path: String, into found: inout [String]) {
        let at = shown(path)
        let properties = keywords["properties"]?.objectValue ?? [:]
        for case let .string(name) in keywords["required"]?.arrayValue ?? [] where fields[name] == nil {
            found.append("\(at) lacks '\(name)'")
        }
        if let minimum = keywords["minProperties"]?.intValue, fields.count < minimum { found.append("\(at) has fewer than \(minimum) members") }
        if let maximum = keywords["maxProperties"]?.intValue, fields.count > maximum { found.append("\(at) has more than \(maximum) members") }
        for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
            let fieldPath = path.isEmpty ? name : "\(path).\(name)"
            if let names = keywords["propertyNames"] { validate(.string(name), against: names, at: fieldPath + " (its name)", into: &found) }
            if let schema = properties[name] {
                validate(field, against: schema, at: fieldPath, into: &found)
            } else if let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    found.append("\(shown(fieldPath)) is not in the document")
                } else {
                    validate(field, against: additional, at: fieldPath, into: &found)
                }
            }
        }
    }

    private func typeMatches(_ value: JSONValue, _ types: JSONValue) -> Bool {
        let names = types.arrayValue?.compactMap(\.stringValue) ?? types.stringValue.map { [$0] } ?? []
        return names.contains { name in
            switch (name, value) {
            case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
                 ("integer", .integer), ("number", .integer), ("number", .number): true
            case let ("integer", .number(number)): number.rounded() == number
            default: false
            }
        }
    }

    private func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.integer(x), .number(y)), let (.number(y), .integer(x)): Double(x) == y
        default: a == b
        }
    }

    private func shown(_ path: String) -> String { path.isEmpty ? "the body" : "'\(path)'" }

    private func describe(_ types: JSONValue) -> String {
        (types.arrayValue?.compactMap(\.stringValue) ?? types.stringValue.map { [$0] } ?? []).joined(separator: " or ")
    }

    private func brief(_ value: JSONValue) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "?"
    }
}

extension JSONValue {
    /// The member `name` of an object (nil for anything else or a missing member).
    subscript(_ name: String) -> JSONValue? {
        if case let .object(fields) = self { fields[name] } else { nil }
    }
}

private extension JSONValue {
    var objectValue: [String: JSONValue]? {
        if case let .object(fields) = self { return fields }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case let .array(items) = self { return items }
        return nil
    }

    var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    var intValue: Int? {
        if case let .integer(number) = self { return Int(number) }
        return nil
    }
}
