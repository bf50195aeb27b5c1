/// The rows of one result, as text values; a random-access collection of `PostgresRow`.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// The result's column names, in order.
    public let columns: [String]
    /// The row count from the command tag (PQcmdTuples), 0 if none.
    public var affectedRows: Int

    let storage: Storage

    /// Creates rows from column names and row-major values (`values.count == rows × columns`).
    public init(columns: [String], values: [String?], affectedRows: Int = 0) {
        self.columns = columns
        self.affectedRows = affectedRows
        self.storage = Storage(columns: columns, values: values)
    }

    /// The first row's index, always 0.
    public var startIndex: Int { 0 }
    /// The row count.
    public var endIndex: Int { storage.rowCount }
    /// The row at `position`.
    public subscript(position: Int) -> PostgresRow {
        PostgresRow(storage: storage, row: position)
    }
}

extension PostgresRows {
    /// Shared, immutable values of a result; rows point into it.
    final class Storage: Sendable {
        let columns: [String]
        let columnIndex: [String: Int]
        let values: [String?]
        let rowCount: Int

        init(columns: [String], values: [String?]) {
            self.columns = columns
            var index: [String: Int] = [:]
            for (position, name) in columns.enumerated() where index[name] == nil {
                index[name] = position
            }
            self.columnIndex = index
            self.values = values
            self.rowCount = columns.isEmpty ? 0 : values.count / columns.count
        }
    }
}
