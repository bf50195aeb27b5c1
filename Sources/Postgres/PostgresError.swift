/// An error from the PostgreSQL client, with the server's diagnostics when there are any.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, broadly.
    public enum Kind: Sendable {
        /// Connecting failed, or the connection broke (SQLSTATE class 08, 57P01…).
        case connection
        /// The server rejected a statement.
        case query
        /// The statement was cancelled, normally by `statement_timeout` (SQLSTATE 57014).
        case timeout
        /// A parameter could not be sent as given (it holds a NUL byte, which C strings cannot carry); nothing was sent.
        case invalidParameter
        /// A value could not be read as the requested type, or was NULL or missing.
        case decoding
        /// The pool has been shut down.
        case poolClosed
    }

    /// What went wrong, broadly.
    public var kind: Kind
    /// The primary message (libpq's or the server's).
    public var message: String
    /// The SQLSTATE code, e.g. "23505" for a unique violation.
    public var sqlState: String?
    /// The server's detail line, if any.
    public var detail: String?
    /// The violated constraint's name, if the server reported one.
    public var constraint: String?
    /// The SQL text that failed, if the error came from a statement.
    public var statement: String?

    /// Creates an error; usually made by this module, public for tests and fakes.
    public init(
        kind: Kind,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        constraint: String? = nil,
        statement: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
        self.statement = statement
    }

    /// True for SQLSTATE 23505 (unique_violation).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// True for SQLSTATE 23503 (foreign_key_violation).
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// True when the statement's values themselves are at fault, so that the same values would fail again: the server
    /// refused a value (SQLSTATE class 22, data exception: out of range, untranslatable character…; class 23, a
    /// constraint; class 54, a program limit such as an index row too large), or a parameter could not be sent.
    public var isRefusedValue: Bool {
        if kind == .invalidParameter { return true }
        guard kind == .query, let sqlState else { return false }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23") || sqlState.hasPrefix("54")
    }
    /// True for SQLSTATE 40001 / 40P01 (serialization failure, deadlock): retrying the transaction may succeed.
    public var isTransactionConflict: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// One line: kind, SQLSTATE, message, detail, constraint and (shortened) statement.
    public var description: String {
        var text = "PostgresError(\(kind))"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail { text += " — \(detail)" }
        if let constraint { text += " (constraint \(constraint))" }
        if let statement {
            let flat = statement.split(whereSeparator: \.isNewline).joined(separator: " ")
            text += " in: " + (flat.count > 200 ? String(flat.prefix(200)) + "…" : flat)
        }
        return text
    }
}
