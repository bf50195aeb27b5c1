import Foundation
import RallyCore

/// A response body that writes itself as JSON.
protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

/// JSON answers written straight to UTF-8 bytes. Foundation's JSONEncoder cost more per request than everything
/// else a leaderboard read does, so every answer is written with this instead.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Per open object or array: whether the next member is its first (no comma before it).
    private var firstMember: [Bool] = []

    init() {
        bytes.reserveCapacity(512)
    }

    static func encode(_ value: some JSONWritable) -> [UInt8] {
        var writer = JSONWriter()
        value.write(to: &writer)
        return writer.bytes
    }

    // MARK: Objects

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    /// A member whose nil value is written as `null`.
    mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    mutating func field(_ name: String, _ value: Int?) {
        key(name)
        if let value { bytes.append(contentsOf: String(value).utf8) } else { null() }
    }

    mutating func field(_ name: String, _ value: Int64?) {
        key(name)
        if let value { bytes.append(contentsOf: String(value).utf8) } else { null() }
    }

    /// A number already written as JSON (`12.50`).
    mutating func field(_ name: String, number: String) {
        key(name)
        bytes.append(contentsOf: number.utf8)
    }

    /// A JSON value already written as JSON text (PostgreSQL's `jsonb::text`); null when nil.
    mutating func field(_ name: String, json text: String?) {
        key(name)
        if let text { bytes.append(contentsOf: text.utf8) } else { null() }
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func field(_ name: String, _ value: some JSONWritable) {
        key(name)
        value.write(to: &self)
    }

    mutating func field(_ name: String, _ values: [some JSONWritable]) {
        key(name)
        array(values) { json, value in value.write(to: &json) }
    }

    mutating func field(_ name: String, strings values: [String]) {
        key(name)
        array(values) { $0.string($1) }
    }

    /// A number rounded half away from zero to at most `places` decimals, written without trailing zeros (`0.45`);
    /// nil is `null`.
    mutating func field(_ name: String, _ value: Double?, places: Int) {
        key(name)
        guard let value, value.isFinite else { return null() }
        let scale = pow(10, Double(places))
        var text = String(format: "%.\(places)f", (value * scale).rounded(.toNearestOrAwayFromZero) / scale)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        if text == "-0" { text = "0" }
        bytes.append(contentsOf: text.utf8)
    }

    mutating func field(_ name: String, object body: (inout JSONWriter) -> Void) {
        key(name)
        object(body)
    }

    /// A member left out when its value is nil.
    mutating func optionalField(_ name: String, _ value: String?) {
        if let value { field(name, value) }
    }

    // MARK: Arrays and values

    mutating func array<S: Sequence>(_ elements: S, _ element: (inout JSONWriter, S.Element) -> Void) {
        open(UInt8(ascii: "["))
        for value in elements {
            separate()
            element(&self, value)
        }
        close(UInt8(ascii: "]"))
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0f)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A JSON document, object keys in sorted order.
    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case let .bool(flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case let .integer(number): bytes.append(contentsOf: String(number).utf8)
        case let .number(number): bytes.append(contentsOf: "\(number)".utf8)
        case let .string(text): string(text)
        case let .array(items): array(items) { $0.value($1) }
        case let .object(fields):
            object { json in
                for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                    json.key(name)
                    json.value(field)
                }
            }
        }
    }

    mutating func emptyArray() {
        bytes.append(contentsOf: "[]".utf8)
    }

    mutating func null() {
        bytes.append(contentsOf: "null".utf8)
    }

    // MARK: Structure

    mutating func key(_ name: String) {
        separate()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func separate() {
        guard let first = firstMember.last else { return }
        if !first { bytes.append(UInt8(ascii: ",")) }
        firstMember[firstMember.count - 1] = false
    }

    private mutating func open(_ byte: UInt8) {
        bytes.append(byte)
        firstMember.append(true)
    }

    private mutating func close(_ byte: UInt8) {
        firstMember.removeLast()
        bytes.append(byte)
    }
}

/// `{"<name>": [...]}`: a list answered under its name.
struct ListBody<Item: JSONWritable>: JSONWritable {
    var name: String
    var items: [Item]

    func write(to json: inout JSONWriter) {
        json.object { $0.field(name, items) }
    }
}

/// `{"<name>": [...], "nextCursor": "…" | null}`: one page of a list read with a cursor.
struct PageBody<Item: JSONWritable>: JSONWritable {
    var name: String
    var items: [Item]
    var nextCursor: String?

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field(name, items)
            json.field("nextCursor", nextCursor)
        }
    }
}
