import Foundation
import Postgres
import RallyCore
import RallyStorage

/// A signed-in console: which admin key of which program, until when.
public struct ConsoleSession: Sendable, Equatable {
    public var program: String
    public var keyId: String
    /// Random, per sign-in: what the session's CSRF tokens are bound to.
    public var id: String
    public var expiresAt: Date
}

/// Console sessions without a session store: the cookie is signed (`SignedText`) and names the admin key, never holds it;
/// each request checks the key is still a live admin key of the program, so revoking it ends its sessions. Forms carry a
/// CSRF token bound to the session (or, before sign-in, to a nonce cookie).
public final class ConsoleSessions: Sendable {
    private let postgres: PostgresPool
    private let keys: KeyStore
    private let sessions: SignedText
    private let forms: SignedText
    public let lifetime: TimeInterval

    public init(postgres: PostgresPool, keys: KeyStore, keyring: SecretKeyring, lifetime: TimeInterval = 8 * 3600) {
        self.postgres = postgres
        self.keys = keys
        sessions = SignedText(version: "s1", purpose: "rally console sessions v1", keyring: keyring)
        forms = SignedText(version: "f1", purpose: "rally console forms v1", keyring: keyring)
        self.lifetime = lifetime
    }

    /// A session for an admin key's secret, and its cookie value; nil for anything else (unknown, revoked, another role).
    public func signIn(secret: String, now: Date = Date()) async throws -> (cookie: String, session: ConsoleSession)? {
        guard case let .programKey(key)? = try await keys.authenticate(secret), key.role == .admin else { return nil }
        let session = ConsoleSession(program: key.programId, keyId: key.id, id: KeyStore.randomCharacters(24),
                                     expiresAt: Date(timeIntervalSince1970: (now.timeIntervalSince1970 + lifetime).rounded(.down)))
        let cookie = sessions.sign(["p": .string(session.program), "k": .string(session.keyId), "s": .string(session.id),
                                    "e": .integer(Int64(session.expiresAt.timeIntervalSince1970))])
        return (cookie, session)
    }

    /// The session a cookie stands for while it is unexpired and its key a live admin key of its program.
    public func session(_ cookie: String, now: Date = Date()) async throws -> ConsoleSession? {
        guard let fields = sessions.open(cookie), case let .string(program)? = fields["p"], case let .string(keyId)? = fields["k"],
              case let .string(id)? = fields["s"], case let .integer(expiry)? = fields["e"], Double(expiry) > now.timeIntervalSince1970
        else { return nil }
        let live = try await postgres.query("SELECT 1 FROM api_keys WHERE id = $1 AND program_id = $2 AND role = 'admin' AND revoked_at IS NULL",
                                            [keyId, program])
        return live.isEmpty ? nil : ConsoleSession(program: program, keyId: keyId, id: id, expiresAt: Date(timeIntervalSince1970: Double(expiry)))
    }

    /// The CSRF token of a session's forms, or of the sign-in form shown with `nonce`.
    public func csrf(session: ConsoleSession) -> String { forms.mac("session:" + session.id) }
    public func csrf(nonce: String) -> String { forms.mac("sign-in:" + nonce) }

    public func verify(csrf: String, session: ConsoleSession) -> Bool { forms.verify(mac: csrf, of: "session:" + session.id) }
    public func verify(csrf: String, nonce: String) -> Bool { !nonce.isEmpty && forms.verify(mac: csrf, of: "sign-in:" + nonce) }

    public static func newNonce() -> String { KeyStore.randomCharacters(24) }
}
