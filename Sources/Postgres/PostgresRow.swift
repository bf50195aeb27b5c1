import Foundation

/// One row of a result: text values by column name or position.
public struct PostgresRow: Sendable {
    let storage: PostgresRows.Storage
    let row: Int

    /// The column names of this row's result.
    public var columns: [String] { storage.columns }

    /// The value of `column`; nil for SQL NULL or an unknown column.
    public subscript(_ column: String) -> String? {
        guard let index = storage.columnIndex[column] else { return nil }
        return self[index]
    }

    /// The value at column position `index`; nil for SQL NULL or out of range.
    public subscript(_ index: Int) -> String? {
        guard index >= 0, index < storage.columns.count else { return nil }
        return storage.values[row * storage.columns.count + index]
    }

    /// The value of `column`; nil for SQL NULL or an unknown column.
    public func optionalString(_ column: String) -> String? { self[column] }

    /// The text of `column`; throws `.decoding` when NULL or missing.
    public func string(_ column: String) throws -> String {
        guard storage.columnIndex[column] != nil else {
            throw decodingError(column, "no such column (have \(storage.columns.joined(separator: ", ")))")
        }
        guard let value = self[column] else { throw decodingError(column, "is NULL") }
        return value
    }

    /// `column` as an `Int`.
    public func int(_ column: String) throws -> Int { try decode(column, as: "Int", Int.init) }
    /// `column` as an `Int64`.
    public func int64(_ column: String) throws -> Int64 { try decode(column, as: "Int64", Int64.init) }
    /// `column` as a `Double` (numeric, float8, "NaN", "Infinity").
    public func double(_ column: String) throws -> Double { try decode(column, as: "Double", Double.init) }
    /// `column` as a `Bool` ("t" / "f").
    public func bool(_ column: String) throws -> Bool { try decode(column, as: "Bool", Self.parseBool) }
    /// `column` as a `Date` from timestamptz / timestamp / date text in ISO style, microseconds kept.
    public func date(_ column: String) throws -> Date { try decode(column, as: "Date", PostgresTimestamp.date) }

    /// `column` as an `Int`, nil when NULL; throws when missing or not an integer.
    public func optionalInt(_ column: String) throws -> Int? { try optional(column) { try int($0) } }
    /// `column` as an `Int64`, nil when NULL; throws when missing or not an integer.
    public func optionalInt64(_ column: String) throws -> Int64? { try optional(column) { try int64($0) } }
    /// `column` as a `Double`, nil when NULL; throws when missing or not a number.
    public func optionalDouble(_ column: String) throws -> Double? { try optional(column) { try double($0) } }
    /// `column` as a `Bool`, nil when NULL; throws when missing or not a boolean.
    public func optionalBool(_ column: String) throws -> Bool? { try optional(column) { try bool($0) } }
    /// `column` as a `Date`, nil when NULL; throws when missing or not a timestamp.
    public func optionalDate(_ column: String) throws -> Date? { try optional(column) { try date($0) } }

    private func optional<T>(_ column: String, _ read: (String) throws -> T) throws -> T? {
        guard storage.columnIndex[column] != nil else { return try read(column) }
        return self[column] == nil ? nil : try read(column)
    }

    private func decode<T>(_ column: String, as type: String, _ parse: (String) -> T?) throws -> T {
        let text = try string(column)
        guard let value = parse(text) else { throw decodingError(column, "\"\(text)\" is not a \(type)") }
        return value
    }

    private func decodingError(_ column: String, _ problem: String) -> PostgresError {
        PostgresError(kind: .decoding, message: "column \"\(column)\": \(problem)")
    }

    private static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "t", "true": true
        case "f", "false": false
        default: nil
        }
    }
}
