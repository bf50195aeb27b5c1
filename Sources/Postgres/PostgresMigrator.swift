import Foundation
import Logging

/// Applies numbered plain-SQL files from a directory, each once and in its own transaction, under an advisory lock.
///
/// Applied files are recorded with a SHA-256 checksum in `tableName`; an applied file that changed or disappeared
/// stops the run. Files must not contain their own BEGIN/COMMIT, nor statements that cannot run in a transaction.
public struct PostgresMigrator: Sendable {
    /// Why migrating was refused or failed.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What went wrong, naming the file.
        public var message: String
        /// Creates a failure.
        public init(message: String) { self.message = message }
        /// The message, prefixed.
        public var description: String { "PostgresMigrator.Failure: \(message)" }
    }

    /// The default `pg_advisory_lock` key ("migrate1" in ASCII).
    public static let defaultLockKey: Int64 = 0x6D69_6772_6174_6531

    /// The directory of `NNNN_name.sql` files.
    public let directory: URL
    /// The table recording applied files, optionally schema-qualified (plain identifiers only).
    public let tableName: String
    /// The session advisory lock key that serializes concurrent migrators.
    public let lockKey: Int64
    private let logger: Logger

    /// Creates a migrator for `directory`; the table name and lock key are configurable for tests.
    public init(
        directory: URL,
        logger: Logger,
        tableName: String = "schema_migrations",
        lockKey: Int64 = PostgresMigrator.defaultLockKey
    ) {
        self.directory = directory
        self.logger = logger
        self.tableName = tableName
        self.lockKey = lockKey
    }

    /// Returns the names of the files applied by this call (empty when up to date).
    @discardableResult
    public func migrate(_ pool: PostgresPool) async throws -> [String] {
        let table = try validatedTableName()
        let (directory, lockKey, logger) = (directory, lockKey, logger)
        return try await pool.withConnection { connection in
            let files = try PostgresMigrationFile.load(from: directory)
            return try Self.withMigrationSession(connection, lockKey: lockKey) {
                try connection.execute("""
                    CREATE TABLE IF NOT EXISTS \(table) (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
                let applied = try Self.appliedRows(connection, table: table)
                try Self.verify(applied, against: files, connection, directory: directory)
                let appliedVersions = Set(applied.map(\.version))
                var names: [String] = []
                for file in files where !appliedVersions.contains(file.version) {
                    try Self.apply(file, connection, table: table)
                    logger.info("applied migration", metadata: ["file": "\(file.name)"])
                    names.append(file.name)
                }
                return names
            }
        }
    }

    /// Applied and pending file names, without changing anything.
    public func status(_ pool: PostgresPool) async throws -> (applied: [String], pending: [String]) {
        let table = try validatedTableName()
        let directory = directory
        return try await pool.withConnection { connection in
            let files = try PostgresMigrationFile.load(from: directory)
            let exists = try connection.query("SELECT to_regclass($1) IS NOT NULL AS present", [table])
            let applied = try exists.first?.bool("present") == true ? Self.appliedRows(connection, table: table) : []
            let appliedVersions = Set(applied.map(\.version))
            return (applied.map(\.name), files.filter { !appliedVersions.contains($0.version) }.map(\.name))
        }
    }
}

extension PostgresMigrator {
    private struct AppliedRow {
        let version: Int
        let name: String
        let checksum: String
    }

    /// The table name, if it is one or two plain SQL identifiers (so it can be put into SQL text safely).
    private func validatedTableName() throws -> String {
        let parts = tableName.split(separator: ".", omittingEmptySubsequences: false)
        let valid = (1...2).contains(parts.count) && parts.allSatisfy { part in
            guard let first = part.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
            return part.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        }
        guard valid else {
            throw Failure(message: "migrations table name \"\(tableName)\" must be [schema.]identifier")
        }
        return tableName
    }

    /// Runs `body` with no statement timeout and holding the advisory lock; restores both afterwards.
    private static func withMigrationSession<T>(
        _ connection: PostgresConnection, lockKey: Int64, _ body: () throws -> T
    ) throws -> T {
        let previousTimeout = try connection.query("SHOW statement_timeout").first?[0] ?? "0"
        try connection.execute("SET statement_timeout = 0")
        defer { _ = try? connection.query("SELECT set_config('statement_timeout', $1, false)", [previousTimeout]) }
        try connection.query("SELECT pg_advisory_lock($1::bigint)", [String(lockKey)])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1::bigint)", [String(lockKey)]) }
        return try body()
    }

    private static func appliedRows(_ connection: PostgresConnection, table: String) throws -> [AppliedRow] {
        try connection.query("SELECT version, name, checksum FROM \(table) ORDER BY version").map { row in
            AppliedRow(version: try row.int("version"), name: try row.string("name"), checksum: try row.string("checksum"))
        }
    }

    /// Refuses when an applied file is missing or its checksum changed.
    private static func verify(
        _ applied: [AppliedRow], against files: [PostgresMigrationFile], _ connection: PostgresConnection, directory: URL
    ) throws {
        let filesByVersion = Dictionary(files.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        for row in applied {
            guard let file = filesByVersion[row.version] else {
                throw Failure(message: "migration \(row.name) (version \(row.version)) was applied but is missing from \(directory.path)")
            }
            let checksum = try connection.query(checksumSQL, [file.sql]).first?["checksum"]
            guard checksum == row.checksum else {
                throw Failure(message: "migration \(file.name) changed after it was applied (recorded checksum \(row.checksum), file now \(checksum ?? "?")); add a new migration instead of editing an applied one")
            }
        }
    }

    /// Runs one file and records it, in one transaction.
    private static func apply(_ file: PostgresMigrationFile, _ connection: PostgresConnection, table: String) throws {
        do {
            try connection.transaction {
                try connection.execute(file.sql)
                try connection.query(
                    "INSERT INTO \(table) (version, name, checksum, applied_at) VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'), now())",
                    [String(file.version), file.name, file.sql]
                )
            }
        } catch {
            throw Failure(message: "migration \(file.name) failed and was rolled back: \(error)")
        }
    }

    private static let checksumSQL = "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') AS checksum"
}
