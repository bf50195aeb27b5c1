import Foundation
import Postgres
import RallyCore
import Synchronization

/// Programs: created by the operator, looked up on every request (and cached: a program's time zone never changes).
public final class ProgramStore: Sendable {
    private let postgres: PostgresPool
    private let keys: KeyStore
    private let cache = Mutex<[String: ProgramContext]>([:])

    public init(postgres: PostgresPool, keys: KeyStore) {
        self.postgres = postgres
        self.keys = keys
    }

    /// Creates a program and its first admin key; the key's secret is returned once.
    public func create(id: String, name: String, timeZone: String) async throws -> (ProgramContext, IssuedKey) {
        var problems: [FieldProblem] = []
        if !Identifier.isValid(id) {
            problems.append(FieldProblem(field: "id", problem: "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -"))
        }
        if name.isEmpty || name.count > 200 {
            problems.append(FieldProblem(field: "name", problem: "must be 1-200 characters"))
        }
        let calendar = PeriodCalendar(timeZoneIdentifier: timeZone)
        if calendar == nil {
            problems.append(FieldProblem(field: "timezone", problem: "unknown IANA time zone '\(timeZone)'"))
        }
        guard problems.isEmpty, let calendar else { throw RallyError.validation(problems) }
        let secret = KeyStore.newSecret()
        let keyId = KeyStore.newKeyId()
        let created: Date
        do {
            created = try await postgres.transaction { connection in
                let rows = try connection.query(
                    "INSERT INTO programs (id, name, timezone) VALUES ($1, $2, $3) RETURNING extract(epoch FROM created_at) AS created_at",
                    [id, name, timeZone])
                try KeyStore.insert(id: keyId, program: id, role: .admin, label: "created with the program", secret: secret, on: connection)
                return Date(timeIntervalSince1970: try rows[0].double("created_at"))
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw RallyError(.alreadyExists, "program '\(id)' already exists")
        } catch {
            throw RallyError.storage(error)
        }
        let context = ProgramContext(id: id, name: name, createdAt: created, calendar: calendar, ruleset: .defaults)
        cache.withLock { $0[id] = context }
        return (context, IssuedKey(id: keyId, role: .admin, label: "created with the program", secret: secret))
    }

    /// The program, or nil when it does not exist.
    public func context(_ id: String) async throws -> ProgramContext? {
        if let cached = cache.withLock({ $0[id] }) { return cached }
        let rows: PostgresRows
        do {
            rows = try await postgres.query(
                "SELECT id, name, timezone, extract(epoch FROM created_at) AS created_at FROM programs WHERE id = $1", [id])
        } catch {
            throw RallyError.storage(error)
        }
        guard let row = rows.first else { return nil }
        let zone = try row.string("timezone")
        guard let calendar = PeriodCalendar(timeZoneIdentifier: zone) else {
            throw RallyError(.internalError, "program '\(id)' has an unknown time zone '\(zone)'")
        }
        let context = ProgramContext(id: id, name: try row.string("name"), createdAt: Date(timeIntervalSince1970: try row.double("created_at")),
                                     calendar: calendar, ruleset: .defaults)
        cache.withLock { $0[id] = context }
        return context
    }

    /// The program, or a 404.
    public func require(_ id: String) async throws -> ProgramContext {
        guard let context = try await context(id) else { throw RallyError(.notFound, "program '\(id)' does not exist") }
        return context
    }
}
