import Foundation

/// Rows given to PostgreSQL whole, one array parameter per column, and read back as rows by
/// `unnest($1::text[], $2::bigint[], …) AS u(name, …)`: a statement costs one round trip however many rows it carries. The
/// column list writes both the SQL (`unnest`, `names`, `values`) and the bindings (`bindings(_:)`), in one order.
public struct PostgresColumns<Row>: Sendable {
    public let columns: [PostgresColumn<Row>]

    public init(_ columns: [PostgresColumn<Row>]) {
        self.columns = columns
    }

    /// `unnest($first::type[], …) AS alias(name, …)`; with `ordinality`, each row's position (from 1) as that column.
    public func unnest(from first: Int = 1, as alias: String = "u", ordinality: String? = nil) -> String {
        let arrays = columns.indices.map { "$\(first + $0)::\(columns[$0].arrayType)[]" }
        let numbered = ordinality.map { " WITH ORDINALITY AS \(alias)(\(names), \($0))" } ?? " AS \(alias)(\(names))"
        return "unnest(\(arrays.joined(separator: ", ")))" + numbered
    }

    /// The column names, in order: the target list of an `INSERT`.
    public var names: String { columns.map(\.name).joined(separator: ", ") }

    /// Each column's value as the table takes it (instants converted from seconds), in order: the select list of an `INSERT`.
    public var values: String { columns.map(\.value).joined(separator: ", ") }

    /// One array literal per column, in order. Inlinable: the write path calls it for every column of every group
    /// commit, and unspecialised (a generic row copied through its witness table) it cost a tenth of ingestion.
    @inlinable
    public func bindings(_ rows: [Row]) -> [any PostgresBindable] {
        columns.map { column in PostgresArray.literal(rows.map(column.text)) }
    }
}

/// One column of `PostgresColumns`: its name, its SQL type, and how a row gives its value.
public struct PostgresColumn<Row>: Sendable {
    public let name: String
    /// The type of the array parameter's elements.
    let arrayType: String
    /// The expression that reads the column from `unnest`'s alias.
    let value: String
    @usableFromInline let text: @Sendable (Row) -> String?

    init(_ name: String, arrayType: String, value: String? = nil, _ text: @escaping @Sendable (Row) -> String?) {
        self.name = name
        self.arrayType = arrayType
        self.value = value ?? name
        self.text = text
    }

    public static func text(_ name: String, _ value: @escaping @Sendable (Row) -> String?) -> Self {
        Self(name, arrayType: "text", value)
    }

    public static func int(_ name: String, _ value: @escaping @Sendable (Row) -> Int) -> Self {
        Self(name, arrayType: "int") { value($0).postgresText }
    }

    public static func bigint(_ name: String, _ value: @escaping @Sendable (Row) -> Int64) -> Self {
        Self(name, arrayType: "bigint") { value($0).postgresText }
    }

    public static func bool(_ name: String, _ value: @escaping @Sendable (Row) -> Bool) -> Self {
        Self(name, arrayType: "boolean") { value($0) ? "true" : "false" }
    }

    /// A local day as `YYYY-MM-DD`.
    public static func date(_ name: String, _ value: @escaping @Sendable (Row) -> String) -> Self {
        Self(name, arrayType: "date", value)
    }

    /// JSON text.
    public static func jsonb(_ name: String, _ value: @escaping @Sendable (Row) -> String?) -> Self {
        Self(name, arrayType: "jsonb", value)
    }

    /// An instant, sent as seconds since 1970 and stored as `timestamptz`.
    public static func timestamp(_ name: String, _ value: @escaping @Sendable (Row) -> Date) -> Self {
        Self(name, arrayType: "float8", value: "to_timestamp(\(name))") { value($0).postgresText }
    }
}
