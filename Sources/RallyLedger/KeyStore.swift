import Crypto
import Foundation
import Postgres
import RallyCore
import RallyStorage
import Synchronization

/// A program key as shown once, at creation.
public struct IssuedKey: Sendable {
    public var id: String
    public var role: KeyRole
    public var label: String?
    public var rateLimit: Int?
    public var secret: String
}

/// A program key as listed (never with its secret).
public struct KeySummary: Sendable {
    public var id: String
    public var role: KeyRole
    public var label: String?
    /// Its own limit, in requests a second (nil: its role's).
    public var rateLimit: Int?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
}

/// Program keys, stored as SHA-256 digests. A lookup is kept in memory for a second, by secret: a key revoked on any
/// instance stops working everywhere within that second (at once on the instance that revoked it). `last_used_at` is
/// kept to the minute.
public final class KeyStore: Sendable {
    private let postgres: PostgresPool
    private let cacheLifetime: Duration
    private let clock: any ServiceClock
    private let cache = Mutex<[String: (principal: Principal, expires: ContinuousClock.Instant)]>([:])  // by secret
    private let lookups = Mutex<[String: Task<Principal?, any Error>]>([:])  // running, by secret

    public init(postgres: PostgresPool, cacheLifetime: Duration = .seconds(1), clock: any ServiceClock = ContinuousClock()) {
        self.postgres = postgres
        self.cacheLifetime = cacheLifetime
        self.clock = clock
    }

    /// The principal a secret belongs to, or nil for an unknown or revoked key. Requests that find the same secret
    /// missing from memory at once share one lookup: a busy key costs one query a second, not one per connection.
    public func authenticate(_ secret: String) async throws -> Principal? {
        if let hit = cache.withLock({ $0[secret] }), hit.expires > clock.now { return hit.principal }
        let lookup = lookups.withLock { lookups in
            if let running = lookups[secret] { return running }
            let started = Task { try await self.lookUp(secret) }
            lookups[secret] = started
            return started
        }
        return try await lookup.value
    }

    /// Reads the key from PostgreSQL and keeps what was found for `cacheLifetime`.
    private func lookUp(_ secret: String) async throws -> Principal? {
        defer { _ = lookups.withLock { $0.removeValue(forKey: secret) } }
        let now = clock.now
        let digest = Self.digest(secret)
        let rows: PostgresRows
        // `last_used_at` moves once a minute at most: requests of one key on many connections do not queue on its row.
        rows = try await postgres.query("""
            WITH k AS (SELECT id, program_id, role, rate_limit, last_used_at FROM api_keys WHERE key_hash = $1::bytea AND revoked_at IS NULL),
            touched AS (
                UPDATE api_keys a SET last_used_at = now() FROM k
                WHERE a.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute'))
            SELECT id, program_id, role, rate_limit FROM k
            """, [digest])
        guard let row = rows.first else { return nil }
        let principal = Principal.programKey(ProgramKey(programId: try row.string("program_id"), role: try Self.role(row), id: try row.string("id"),
                                                        rateLimit: try row.optionalInt("rate_limit")))
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[secret] = (principal, now + cacheLifetime)
        }
        return principal
    }

    /// Issues a new key for a program, with its own rate limit or its role's, audited as `actor`'s.
    public func create(program: String, role: KeyRole, label: String?, rateLimit: Int? = nil, actor: String) async throws -> IssuedKey {
        let problems = CallerText.problems(label, field: "label", maximumLength: 200)
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        let key = IssuedKey(id: Self.newKeyId(), role: role, label: label, rateLimit: rateLimit, secret: Self.newSecret())
        try await postgres.transaction { connection in
            try Self.insert(id: key.id, program: program, role: role, label: label, rateLimit: rateLimit, secret: key.secret, actor: actor,
                            on: connection)
        }
        return key
    }

    /// What a change of a key sets: each member left nil stays as it is; `.some(nil)` removes the value.
    public struct Change: Sendable {
        public var label: String??
        public var rateLimit: Int??

        public init(label: String?? = nil, rateLimit: Int?? = nil) {
            self.label = label
            self.rateLimit = rateLimit
        }
    }

    /// Changes a live key of the program, audited as `actor`'s; a 404 when there is no such key. It holds at once on
    /// this instance and within a second on the others.
    public func change(program: String, keyId: String, _ change: Change, actor: String) async throws -> KeySummary {
        if let label = change.label {
            let problems = CallerText.problems(label, field: "label", maximumLength: 200)
            guard problems.isEmpty else { throw RallyError.validation(problems) }
        }
        let row: PostgresRow? = try await postgres.transaction { connection in
            guard let before = try connection.query("""
                SELECT \(Self.audited()) AS before FROM api_keys WHERE program_id = $1 AND id = $2 AND revoked_at IS NULL FOR UPDATE
                """, [program, keyId]).first else { return nil }
            let row = try connection.query("""
                UPDATE api_keys SET label = CASE WHEN $3::bool THEN $4 ELSE label END,
                                    rate_limit = CASE WHEN $5::bool THEN $6::int ELSE rate_limit END
                WHERE program_id = $1 AND id = $2
                RETURNING \(Self.listed), \(Self.audited()) AS after
                """, [program, keyId, (change.label != nil).postgresText, change.label ?? nil,
                      (change.rateLimit != nil).postgresText, (change.rateLimit ?? nil).map(String.init)])[0]
            try AuditLog.record(program: program, actor: actor, action: "key.changed", target: "keys/\(keyId)",
                                before: try before.string("before"), after: try row.string("after"), on: connection)
            return row
        }
        guard let row else { throw Self.notFound(keyId, program: program) }
        forget(keyId)
        return try Self.summary(row)
    }

    /// The program's keys, revoked ones too, oldest first.
    public func list(program: String) async throws -> [KeySummary] {
        try await postgres.query("SELECT \(Self.listed) FROM api_keys WHERE program_id = $1 ORDER BY created_at, id", [program]).map(Self.summary)
    }

    /// The columns `summary` reads.
    private static let listed = """
        id, role, label, rate_limit, extract(epoch FROM created_at) AS created_at, extract(epoch FROM last_used_at) AS last_used_at,
        extract(epoch FROM revoked_at) AS revoked_at
        """

    private static func summary(_ row: PostgresRow) throws -> KeySummary {
        KeySummary(id: try row.string("id"), role: try role(row), label: row.optionalString("label"), rateLimit: try row.optionalInt("rate_limit"),
                   createdAt: Date(timeIntervalSince1970: try row.double("created_at")),
                   lastUsedAt: try row.optionalDouble("last_used_at").map(Date.init(timeIntervalSince1970:)),
                   revokedAt: try row.optionalDouble("revoked_at").map(Date.init(timeIntervalSince1970:)))
    }

    private static func role(_ row: PostgresRow) throws -> KeyRole {
        let text = try row.string("role")
        guard let role = KeyRole(rawValue: text) else { throw RallyError(.internalError, "a stored key has an unknown role '\(text)'") }
        return role
    }

    /// Revokes a key of the program, audited as `actor`'s; a 404 when there is no such live key.
    public func revoke(program: String, keyId: String, actor: String) async throws {
        let revoked: Bool
        revoked = try await postgres.transaction { connection in
            guard let row = try connection.query("""
                UPDATE api_keys SET revoked_at = now() WHERE program_id = $1 AND id = $2 AND revoked_at IS NULL
                RETURNING \(Self.audited()) AS after, \(Self.audited(revokedAt: "NULL")) AS before
                """, [program, keyId]).first else { return false }
            try AuditLog.record(program: program, actor: actor, action: "key.revoked", target: "keys/\(keyId)",
                                before: try row.string("before"), after: try row.string("after"), on: connection)
            return true
        }
        guard revoked else { throw Self.notFound(keyId, program: program) }
        forget(keyId)
    }

    /// Drops what this instance keeps of a key: its next request reads it again.
    private func forget(_ keyId: String) {
        cache.withLock { cache in cache = cache.filter { entry in entry.value.principal.actor != keyId } }
    }

    private static func notFound(_ keyId: String, program: String) -> RallyError {
        RallyError(.notFound, "key '\(keyId)' does not exist in program '\(program)'")
    }

    /// Stores a new key (its digest) and audits it as `actor`'s.
    static func insert(id: String, program: String, role: KeyRole, label: String?, rateLimit: Int? = nil, secret: String, actor: String,
                       on connection: PostgresConnection) throws {
        let row = try connection.query("""
            INSERT INTO api_keys (id, program_id, role, label, rate_limit, key_hash) VALUES ($1, $2, $3, $4, $5::int, $6::bytea)
            RETURNING \(audited()) AS after
            """, [id, program, role.rawValue, label, rateLimit.map(String.init), digest(secret)])[0]
        try AuditLog.record(program: program, actor: actor, action: "key.created", target: "keys/\(id)", before: nil,
                            after: try row.string("after"), on: connection)
    }

    /// A key as the audit log shows it (SQL on an `api_keys` row): never its digest.
    static func audited(revokedAt: String = "revoked_at") -> String {
        "jsonb_build_object('id', id, 'role', role, 'label', label, 'rateLimit', rate_limit, 'revokedAt', \(revokedAt))::text"
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
    static func randomCharacters(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}
