import Foundation
import Postgres
import RallyCore
import RallyStorage
import Synchronization

/// What a viewer token lets its bearer see: one program's pages, as one member (or anyone), until it expires.
public struct ViewerToken: Sendable, Equatable {
    public var program: String
    public var memberId: String?
    public var expiresAt: Date
    /// The program's viewer epoch when it was issued: revoking every token moves the epoch on.
    public var epoch: Int
    /// The language the issuer chose (`en`, `fr`), if any.
    public var lang: String?
}

/// Viewer tokens: signed (HMAC-SHA256 under a key derived from the secret keyring), read-only, expiring and tied to one
/// program; they hold no key. Any instance verifies one without a query but for the program's epoch, kept a second.
///
/// The text is `v1.<payload>.<mac>`, both in base64url without padding; the payload is JSON:
/// `{"p": program, "m": member or absent, "e": expiry in seconds since 1970, "n": epoch, "l": language or absent}`.
public final class ViewerTokens: Sendable {
    private let postgres: PostgresPool
    private let signer: SignedText
    private let clock: any ServiceClock
    private let epochs = Mutex<[String: (epoch: Int, expires: ContinuousClock.Instant)]>([:])
    /// Tokens already opened, by their text: a page's later requests skip the MAC and the JSON (a third of a page's CPU).
    private let opened = Mutex<[String: ViewerToken]>([:])
    public static let lifetimes = 60...604_800

    public init(postgres: PostgresPool, keys: SecretKeyring, clock: any ServiceClock = ContinuousClock()) {
        self.postgres = postgres
        signer = SignedText(version: "v1", purpose: "rally viewer tokens v1", keyring: keys)
        self.clock = clock
    }

    /// A token for `program`, valid `seconds` from now.
    public func issue(program: String, memberId: String?, seconds: Int, lang: String?, now: Date = Date()) async throws -> (text: String, token: ViewerToken) {
        let token = ViewerToken(program: program, memberId: memberId, expiresAt: Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Double(seconds)).rounded(.down)),
                                epoch: try await epoch(program), lang: lang)
        return (Self.sign(token, with: signer), token)
    }

    /// How many opened tokens are kept (about 300 bytes each).
    static let openedCapacity = 50_000

    /// The token `text` stands for when it is genuine, for `program`, unexpired and of the program's current epoch; nil
    /// otherwise.
    public func verify(_ text: String, program: String, now: Date = Date()) async throws -> ViewerToken? {
        let token: ViewerToken
        if let known = opened.withLock({ $0[text] }) {
            token = known
        } else {
            guard let fresh = Self.open(text, with: signer) else { return nil }
            token = fresh
            // Opening costs a MAC and a JSON decoding; a page's viewers come back to it many times.
            opened.withLock { opened in
                if opened.count >= Self.openedCapacity { opened.removeAll(keepingCapacity: true) }
                opened[text] = token
            }
        }
        guard token.program == program, token.expiresAt > now else { return nil }
        return try await epoch(program) == token.epoch ? token : nil
    }

    /// Ends every token of the program issued so far, audited as `actor`'s: at once here, within a second elsewhere.
    public func revokeAll(program: String, actor: String) async throws {
        let epoch = try await postgres.transaction { connection in
            let row = try connection.query("UPDATE programs SET viewer_epoch = viewer_epoch + 1 WHERE id = $1 RETURNING viewer_epoch", [program])[0]
            try AuditLog.record(program: program, actor: actor, action: "viewerTokens.revoked", target: "viewer-tokens", before: nil, after: nil,
                                on: connection)
            return try row.int("viewer_epoch")
        }
        epochs.withLock { $0[program] = (epoch, clock.now + .seconds(1)) }
    }

    /// The program's viewer epoch, read at most once a second.
    private func epoch(_ program: String) async throws -> Int {
        if let known = epochs.withLock({ $0[program] }), known.expires > clock.now { return known.epoch }
        let now = clock.now
        guard let row = try await postgres.query("SELECT viewer_epoch FROM programs WHERE id = $1", [program]).first else {
            throw RallyError(.notFound, "program '\(program)' does not exist")
        }
        let epoch = try row.int("viewer_epoch")
        epochs.withLock { epochs in
            if epochs.count > 10_000 { epochs.removeAll() }
            epochs[program] = (epoch, now + .seconds(1))
        }
        return epoch
    }

    static func sign(_ token: ViewerToken, with signer: SignedText) -> String {
        var fields: [String: JSONValue] = ["p": .string(token.program), "e": .integer(Int64(token.expiresAt.timeIntervalSince1970)),
                                           "n": .integer(Int64(token.epoch))]
        fields["m"] = token.memberId.map(JSONValue.string)
        fields["l"] = token.lang.map(JSONValue.string)
        return signer.sign(fields)
    }

    /// The token, when `text` is one `signer` made.
    static func open(_ text: String, with signer: SignedText) -> ViewerToken? {
        guard let fields = signer.open(text), case let .string(program)? = fields["p"], case let .integer(expiry)? = fields["e"],
              case let .integer(epoch)? = fields["n"] else { return nil }
        func string(_ name: String) -> String? { if case let .string(value)? = fields[name] { value } else { nil } }
        return ViewerToken(program: program, memberId: string("m"), expiresAt: Date(timeIntervalSince1970: Double(expiry)), epoch: Int(epoch),
                           lang: string("l"))
    }
}
