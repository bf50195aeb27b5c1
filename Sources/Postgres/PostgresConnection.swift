import CLibPQ
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection, used by one thread at a time: inside `PostgresPool.withConnection`'s body, or by the thread of
/// one of the pool's pipelined connections (`PostgresPipeline`).
public final class PostgresConnection {
    /// The libpq handle; nil once closed.
    var handle: OpaquePointer?
    /// Set when the protocol state is unknown (e.g. an unsupported COPY), so the pool discards the connection.
    var isBroken = false
    /// Receives the server's notices and warnings; kept alive as long as the handle that points at it.
    private let notices: NoticeLogger
    /// The statements prepared on this connection (`preparedQuery`), by SQL text.
    private var prepared: [String: PreparedStatement] = [:]

    /// A statement prepared on this connection: its name, whether it is prepared now, when it was, and the age at which
    /// it is prepared (and so planned) again.
    private struct PreparedStatement {
        var name: String
        var isPrepared = false
        var preparedAt = ContinuousClock.now
        var replannedAfter = PostgresConnection.firstReplan
    }

    /// A prepared statement is prepared again when it is older than this, then each time its age doubles, up to every
    /// `lastReplan`: a plan kept (a generic one) was made for the tables as they were, and a table that grew from
    /// nearly empty (a new database under load) may need another (measured: look-ups of events by id at 40–116 ms instead
    /// of 0.1 ms, through an index made for a table of a few rows, until `ANALYZE` made PostgreSQL plan again). A table
    /// growing steadily since it was empty at most doubles between two plans. PostgreSQL plans again after its own
    /// `ANALYZE` as well.
    static let firstReplan: Duration = .seconds(1)
    static let lastReplan: Duration = .seconds(300)

    private init(handle: OpaquePointer, logger: Logger) {
        self.handle = handle
        self.notices = NoticeLogger(logger: logger)
        notices.install(on: handle)
    }

    deinit {
        close()
    }

    /// True while libpq reports CONNECTION_OK and nothing left the protocol in an unknown state.
    public var isHealthy: Bool {
        guard let handle, !isBroken else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The server process serving this connection (`pg_backend_pid()`), 0 when closed.
    public var serverProcessID: Int {
        handle.map { Int(PQbackendPID($0)) } ?? 0
    }

    /// PQexecParams with text-format parameters (nil = SQL NULL) and text-format results.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        guard parameters.count <= 65_535 else {
            throw PostgresError(kind: .query, message: "\(parameters.count) parameters; the protocol allows 65535", statement: sql)
        }
        let handle = try openHandle(sql)
        let copies = try CStringArray(parameters, statement: sql)
        let result = withExtendedLifetime(copies) {
            PQexecParams(handle, sql, Int32(parameters.count), nil, copies.pointers, nil, nil, 0)
        }
        return try consume(result, sql)
    }

    /// As `query`, through a statement prepared on this connection the first time its text is run (PQprepare, then
    /// PQexecPrepared): for small statements run on every request or commit, whose parsing and planning cost as much as
    /// their run. Planned as PostgreSQL chooses (after five runs it may keep one generic plan when that costs no more),
    /// or once per connection in a transaction that asks for generic plans (`PostgresPlanning.generic`).
    @discardableResult
    public func preparedQuery(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        let handle = try openHandle(sql)
        let name = try preparedName(of: sql, parameterCount: parameters.count)
        let copies = try CStringArray(parameters, statement: sql)
        let result = withExtendedLifetime(copies) {
            PQexecPrepared(handle, name, Int32(parameters.count), copies.pointers, nil, nil, 0)
        }
        return try consume(result, sql)
    }

    /// The name of the statement prepared on this connection for `sql`, prepared now if it was not yet or if it is older
    /// than its time to be planned again (`firstReplan`).
    func preparedName(of sql: String, parameterCount: Int) throws -> String {
        var statement = prepared[sql] ?? PreparedStatement(name: "rally_\(prepared.count + 1)")
        if statement.isPrepared, statement.preparedAt.duration(to: .now) > statement.replannedAfter {
            try execute("DEALLOCATE \(statement.name)")
            statement.isPrepared = false
            statement.replannedAfter = min(statement.replannedAfter * 2, Self.lastReplan)
        }
        if !statement.isPrepared {
            prepared[sql] = statement  // a preparation that fails is tried again on the next run, under the same name
            _ = try consume(PQprepare(try openHandle(sql), statement.name, sql, Int32(parameterCount), nil), sql)
            statement.isPrepared = true
            statement.preparedAt = .now
            prepared[sql] = statement
        }
        return statement.name
    }

    /// PQexec (simple protocol): `sql` may hold several statements; for migrations and session setup.
    public func execute(_ sql: String) throws {
        let handle = try openHandle(sql)
        _ = try consume(PQexec(handle, sql), sql)
    }

    /// BEGIN / body / COMMIT, ROLLBACK if body throws (rethrows body's error). Not nestable.
    public func transaction<T>(planning: PostgresPlanning = .chosen, _ body: () throws -> T) throws -> T {
        switch planning {
        case .chosen: try transaction(begin: "BEGIN", body)
        case .generic: try transaction(begin: "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off", body)
        }
    }

    /// A read-only transaction whose statements all see one snapshot (REPEATABLE READ): reads that must agree with
    /// each other although writers commit between them.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", body)
    }

    private func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        try execute(begin)
        let value: T
        do {
            value = try body()
            if let handle, PQtransactionStatus(handle) == PQTRANS_INERROR {
                throw PostgresError(kind: .query, message: "the transaction was aborted by an earlier error that was caught; rolled back", statement: "COMMIT")
            }
            try execute("COMMIT")
        } catch {
            rollbackIfNeeded()
            throw error
        }
        return value
    }

    /// Inside a transaction: runs `body` after a savepoint and releases it; if `body` throws, rolls back to the
    /// savepoint (undoing only what `body` did, and leaving the transaction usable) and rethrows. Not nestable.
    @discardableResult
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT rally_savepoint")
        do {
            let value = try body()
            try execute("RELEASE SAVEPOINT rally_savepoint")
            return value
        } catch {
            try execute("ROLLBACK TO SAVEPOINT rally_savepoint")
            throw error
        }
    }
}

/// How the statements of a transaction are planned.
public enum PostgresPlanning: Sendable {
    /// As PostgreSQL chooses: for the parameters of each run (a prepared statement may keep a generic plan after five).
    case chosen
    /// One generic plan per statement, whatever its parameters, kept for a prepared statement's later runs on the same
    /// connection (`plan_cache_mode = force_generic_plan`, local to the transaction and set in BEGIN's round trip): for
    /// transactions of many statements on keys, run all the time, whose planning costs more than their run (an event
    /// commit: its statements' parsing and planning were two thirds of PostgreSQL's time in them). Such a transaction
    /// reads by key only: sequential scans are off in it (`enable_seqscan = off`), so that no plan made while a table
    /// was nearly empty reads all of it as it grows (prepared statements are planned again as they age, after
    /// `PostgresConnection.firstReplan`).
    case generic
}

extension PostgresConnection {
    /// Connects with `configuration` and applies UTF8, TimeZone UTC, DateStyle ISO and the statement timeout.
    static func connect(_ configuration: PostgresConfiguration, logger: Logger) throws -> PostgresConnection {
        // connect_timeout first so that one given in the connection string (expanded from dbname) wins.
        let keywords = try CStringArray(["connect_timeout", "dbname"], statement: nil, terminated: true)
        let values = try CStringArray(
            [String(configuration.connectTimeoutSeconds), configuration.connectionString],
            statement: nil, terminated: true
        )
        let connected = withExtendedLifetime((keywords, values)) {
            PQconnectdbParams(keywords.pointers, values.pointers, 1)
        }
        guard let handle = connected else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.message(of: handle) ?? "connection failed"
            PQfinish(handle)
            throw PostgresError(kind: .connection, message: message)
        }
        let connection = PostgresConnection(handle: handle, logger: logger)
        do {
            try connection.execute(configuration.sessionSetup)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Closes the connection (PQfinish); idempotent.
    func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    /// Checks, without blocking, an idle connection before reuse: false if the server closed it meanwhile.
    func isUsableAfterIdle() -> Bool {
        guard isHealthy, let handle else { return false }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return true }
        // Something arrived while idle: a notice, or the server's farewell before it closes the socket.
        guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else { return false }
        var byte: UInt8 = 0
        let peeked = recv(socket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if peeked == 0 { return false }
        if peeked < 0, errno != EAGAIN, errno != EWOULDBLOCK { return false }
        return true
    }

    /// Ends a transaction the body left open; false if the connection is not reusable.
    func resetAfterUse() -> Bool {
        guard isHealthy, let handle else { return false }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE:
            return true
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            rollbackIfNeeded()
            return isHealthy && PQtransactionStatus(handle) == PQTRANS_IDLE
        default:
            return false
        }
    }

    private func rollbackIfNeeded() {
        guard isHealthy, let handle, PQtransactionStatus(handle) != PQTRANS_IDLE else { return }
        _ = try? execute("ROLLBACK")
    }

    func openHandle(_ sql: String) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(kind: .connection, message: "the connection is closed", statement: sql)
        }
        guard !isBroken, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(kind: .connection, message: Self.message(of: handle) ?? "the connection is broken", statement: sql)
        }
        return handle
    }

    /// Turns a PGresult into rows or an error, and frees it.
    func consume(_ result: OpaquePointer?, _ sql: String) throws -> PostgresRows {
        guard let result else {
            throw PostgresError(kind: .connection, message: handle.flatMap(Self.message) ?? "no result from libpq", statement: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return Self.rows(of: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            isBroken = true
            throw PostgresError(kind: .query, message: "COPY is not supported by this client", statement: sql)
        default:
            throw error(of: result, sql)
        }
    }

    private func error(of result: OpaquePointer, _ sql: String) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        let sqlState = field(UInt8(ascii: "C"))
        let message = field(UInt8(ascii: "M"))
            ?? PQresultErrorMessage(result).map { String(cString: $0).trimmed }.flatMap { $0.isEmpty ? nil : $0 }
            ?? handle.flatMap(Self.message)
            ?? "unknown error"
        let kind: PostgresError.Kind
        if sqlState == "57014" {
            kind = .timeout
        } else if !isHealthy || sqlState?.hasPrefix("08") == true || sqlState?.hasPrefix("57P") == true {
            kind = .connection
        } else {
            kind = .query
        }
        return PostgresError(
            kind: kind, message: message, sqlState: sqlState,
            detail: field(UInt8(ascii: "D")), constraint: field(UInt8(ascii: "n")), statement: sql
        )
    }

    private static func rows(of result: OpaquePointer) -> PostgresRows {
        let rowCount = PQntuples(result), columnCount = PQnfields(result)
        var columns: [String] = []
        columns.reserveCapacity(Int(columnCount))
        for column in 0..<columnCount {
            columns.append(PQfname(result, column).map { String(cString: $0) } ?? "?column?")
        }
        var values: [String?] = []
        values.reserveCapacity(Int(rowCount) * Int(columnCount))
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresRows(columns: columns, values: values, affectedRows: affected)
    }

    static func message(of handle: OpaquePointer) -> String? {
        guard let text = PQerrorMessage(handle) else { return nil }
        let message = String(cString: text).trimmed
        return message.isEmpty ? nil : message
    }
}

/// Explicitly not Sendable: a connection belongs to the one thread running a checked-out body.
@available(*, unavailable)
extension PostgresConnection: Sendable {}

extension String {
    /// Without leading and trailing whitespace and newlines (libpq messages end in "\n").
    var trimmed: String {
        trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
