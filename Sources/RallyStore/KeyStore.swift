import Crypto
import Foundation
import Postgres
import RallyCore
import Synchronization

/// A program key as shown once, at creation.
public struct IssuedKey: Sendable {
    public var id: String
    public var role: KeyRole
    public var label: String?
    public var secret: String
}

/// A program key as listed (never with its secret).
public struct KeySummary: Sendable {
    public var id: String
    public var role: KeyRole
    public var label: String?
    public var createdAt: Date
}

/// Program keys, stored as SHA-256 digests; lookups are cached in memory for a few seconds, by secret
/// (revocation clears this instance's cache at once).
public final class KeyStore: Sendable {
    private let postgres: PostgresPool
    private let cacheLifetime: TimeInterval
    private let cache = Mutex<[String: (principal: Principal, expires: Date)]>([:])  // by secret

    public init(postgres: PostgresPool, cacheLifetime: TimeInterval = 10) {
        self.postgres = postgres
        self.cacheLifetime = cacheLifetime
    }

    /// The principal a secret belongs to, or nil for an unknown or revoked key.
    public func authenticate(_ secret: String) async throws -> Principal? {
        let now = Date()
        if let hit = cache.withLock({ $0[secret] }), hit.expires > now { return hit.principal }
        let digest = Self.digest(secret)
        let rows: PostgresRows
        do {
            rows = try await postgres.query(
                "SELECT id, program_id, role FROM api_keys WHERE key_hash = $1::bytea AND revoked_at IS NULL", [digest])
        } catch {
            throw RallyError.storage(error)
        }
        guard let row = rows.first, let role = KeyRole(rawValue: try row.string("role")) else { return nil }
        let principal = Principal.programKey(programId: try row.string("program_id"), role: role, keyId: try row.string("id"))
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[secret] = (principal, now.addingTimeInterval(cacheLifetime))
        }
        return principal
    }

    /// Issues a new key for a program.
    public func create(program: String, role: KeyRole, label: String?) async throws -> IssuedKey {
        let problems = CallerText.problems(label, field: "label", maximumLength: 200)
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        let key = IssuedKey(id: Self.newKeyId(), role: role, label: label, secret: Self.newSecret())
        do {
            try await postgres.withConnection { connection in
                try Self.insert(id: key.id, program: program, role: role, label: label, secret: key.secret, on: connection)
            }
        } catch {
            throw RallyError.storage(error)
        }
        return key
    }

    /// The program's live keys.
    public func list(program: String) async throws -> [KeySummary] {
        do {
            let rows = try await postgres.query(
                "SELECT id, role, label, extract(epoch FROM created_at) AS created_at FROM api_keys WHERE program_id = $1 AND revoked_at IS NULL ORDER BY created_at, id",
                [program])
            return try rows.map { row in
                KeySummary(id: try row.string("id"), role: KeyRole(rawValue: try row.string("role")) ?? .read,
                           label: row.optionalString("label"), createdAt: Date(timeIntervalSince1970: try row.double("created_at")))
            }
        } catch {
            throw RallyError.storage(error)
        }
    }

    /// Revokes a key of the program; a 404 when there is no such live key.
    public func revoke(program: String, keyId: String) async throws {
        let rows: PostgresRows
        do {
            rows = try await postgres.query(
                "UPDATE api_keys SET revoked_at = now() WHERE program_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING key_hash", [program, keyId])
        } catch {
            throw RallyError.storage(error)
        }
        guard rows.affectedRows == 1 else { throw RallyError(.notFound, "key '\(keyId)' does not exist in program '\(program)'") }
        cache.withLock { cache in cache = cache.filter { entry in
            if case let .programKey(_, _, id) = entry.value.principal { return id != keyId }
            return true
        } }
    }

    static func insert(id: String, program: String, role: KeyRole, label: String?, secret: String, on connection: PostgresConnection) throws {
        try connection.query(
            "INSERT INTO api_keys (id, program_id, role, label, key_hash) VALUES ($1, $2, $3, $4, $5::bytea)",
            [id, program, role.rawValue, label, digest(secret)])
    }

    /// SHA-256 of the secret in PostgreSQL's bytea hex input form.
    static func digest(_ secret: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = Array("\\x".utf8)
        for byte in SHA256.hash(data: Data(secret.utf8)) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func newSecret() -> String { "rk_" + randomCharacters(40) }
    static func newKeyId() -> String { "key_" + randomCharacters(16) }

    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// Characters from the system's cryptographically secure generator.
    private static func randomCharacters(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}
