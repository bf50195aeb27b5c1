import Foundation

/// A Swift value given to PostgreSQL as a text parameter (nil text: SQL NULL). Statements cast each parameter in their
/// SQL; `PostgresColumn` writes the cast from the column's declared type.
public protocol PostgresBindable {
    var postgresText: String? { get }
}

extension String: PostgresBindable {
    public var postgresText: String? { self }
}

extension Int: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresBindable {
    public var postgresText: String? { self ? "true" : "false" }
}

extension Double: PostgresBindable {
    public var postgresText: String? { String(self) }
}

/// An instant as seconds since 1970 (`float8`): read in SQL with `to_timestamp($n::float8)`, which keeps microseconds
/// as the double gives them.
extension Date: PostgresBindable {
    public var postgresText: String? { String(timeIntervalSince1970) }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? { self?.postgresText }
}

/// An array parameter as one literal (`{"a",NULL,"b"}`), cast in SQL as `$n::text[]`, `$n::bigint[]`….
extension Array: PostgresBindable where Element: PostgresBindable {
    public var postgresText: String? { PostgresArray.literal(lazy.map(\.postgresText)) }
}

/// A statement: its SQL, written once (`sql`), and the parameters it binds, made by the statement from its own values,
/// so that no call site counts placeholders. Run it with `PostgresConnection.run(_:)`.
public protocol PostgresStatement {
    static var sql: String { get }
    var bindings: [any PostgresBindable] { get }
    /// Whether the statement is prepared once per connection (`preparedQuery`): for small statements run on every
    /// request or commit, whose parsing and planning cost as much as their run. False by default.
    static var isPrepared: Bool { get }
}

extension PostgresStatement {
    public static var isPrepared: Bool { false }
}

/// A statement whose rows the statement type decodes.
public protocol PostgresQuery: PostgresStatement {
    associatedtype Row
    static func decode(_ row: PostgresRow) throws -> Row
}

extension PostgresConnection {
    /// Runs a statement with its bindings.
    @discardableResult
    public func run<Statement: PostgresStatement>(_ statement: Statement) throws -> PostgresRows {
        Statement.isPrepared ? try preparedQuery(Statement.sql, statement.bindings.map(\.postgresText))
            : try query(Statement.sql, statement.bindings.map(\.postgresText))
    }

    /// Declares a cursor over a statement's rows (in a transaction), to `FETCH` a chunk at a time.
    public func declareCursor<Statement: PostgresStatement>(_ name: String, for statement: Statement) throws {
        try query("DECLARE \(name) NO SCROLL CURSOR FOR " + Statement.sql, statement.bindings.map(\.postgresText))
    }

    /// Runs a query and decodes its rows.
    public func rows<Query: PostgresQuery>(_ query: Query) throws -> [Query.Row] {
        try run(query).map(Query.decode)
    }
}
