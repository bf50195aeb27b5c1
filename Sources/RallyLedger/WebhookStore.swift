import Crypto
import Foundation
import Postgres
import RallyCore
import RallyStorage

/// What a webhook may subscribe to.
public enum WebhookEventType: String, Sendable, CaseIterable {
    case badgeAwarded = "badge.awarded"
    case levelReached = "level.reached"
    case eventRetracted = "event.retracted"
    case leaderboardClosed = "leaderboard.closed"
    case challengeReached = "challenge.reached"
    case redemptionCreated = "redemption.created"
    case redemptionRejected = "redemption.rejected"
    case redemptionFulfilled = "redemption.fulfilled"
    case memberFlagged = "member.flagged"

    /// The notification of a redemption reaching `status`, when there is one (an approval has none).
    static func redemption(_ status: RedemptionStatus) -> WebhookEventType? {
        switch status {
        case .pending: .redemptionCreated
        case .rejected: .redemptionRejected
        case .fulfilled: .redemptionFulfilled
        case .approved: nil
        }
    }
}

/// A receiver of a program's notifications (its secret is never read back).
public struct Webhook: Sendable, Equatable {
    public var id: String
    public var url: String
    public var events: [WebhookEventType]
    public var createdAt: Date
    public var updatedAt: Date
}

extension Webhook {
    init(_ row: PostgresRow) throws {
        guard case let .array(names)? = JSONValue(text: try row.string("events")) else { throw PostgresError(kind: .decoding, message: "webhooks.events") }
        self.init(id: try row.string("webhook_id"), url: try row.string("url"),
                  events: try names.map { name in
                      guard case let .string(text) = name, let type = WebhookEventType(rawValue: text) else {
                          throw PostgresError(kind: .decoding, message: "webhooks.events: unknown type \(name)")
                      }
                      return type
                  },
                  createdAt: Date(timeIntervalSince1970: try row.double("created_at")), updatedAt: Date(timeIntervalSince1970: try row.double("updated_at")))
    }
}

/// Something that happened, to be announced to the program's webhooks subscribed to its type.
struct WebhookNotification {
    var program: String
    var type: WebhookEventType
    var data: JSONValue
}

extension WebhookNotification {
    /// `member.flagged`: an integrity flag raised, with its evidence.
    static func memberFlagged(_ flag: IntegrityFlag, program: String, timeZone: TimeZone) -> WebhookNotification {
        WebhookNotification(program: program, type: .memberFlagged, data: FlagStore.document(flag, timeZone: timeZone))
    }

    /// `badge.awarded`: who, which badge and tier, when, and the event that earned it (or the period, for a rank badge).
    static func badgeAwarded(_ award: AwardToRecord, name: String, at instant: Date, timeZone: TimeZone) -> WebhookNotification {
        var data: [String: JSONValue] = ["memberId": .string(award.member.id), "badgeId": .string(award.key.badgeId), "name": .string(name),
                                         "awardedAt": .string(RFC3339.format(instant, in: timeZone))]
        data["tier"] = award.key.tier.map(JSONValue.string) ?? .null
        data["eventId"] = award.eventId.map(JSONValue.string) ?? .null
        data["period"] = award.key.period.map(JSONValue.string) ?? .null
        return WebhookNotification(program: award.member.program, type: .badgeAwarded, data: .object(data))
    }

    /// `level.reached`: who, the level, and the event whose points reached it.
    static func levelReached(_ level: Level, member: MemberRef, eventId: String) -> WebhookNotification {
        WebhookNotification(program: member.program, type: .levelReached, data: .object([
            "memberId": .string(member.id), "eventId": .string(eventId),
            "level": .object(["name": .string(level.name), "minPoints": .integer(level.minPoints)]),
        ]))
    }
}

/// One delivery of a notification to one webhook, as `…/deliveries` shows it.
public struct WebhookDelivery: Sendable {
    public enum State: String, Sendable {
        case pending, delivered, failed
    }

    public var id: String
    public var type: String
    public var createdAt: Date
    public var attempts: Int
    public var state: State
    public var lastAttemptAt: Date?
    /// The HTTP status of the last attempt (nil when none answered).
    public var lastStatus: Int?
    public var lastError: String?
    public var nextAttemptAt: Date?
    public var deliveredAt: Date?
}

/// A delivery due now, with what sending it needs.
public struct DueDelivery: Sendable {
    public var id: String
    public var program: String
    public var url: String
    /// What signs it: the webhook's secret, or why it could not be opened (`SecretKeyring.open`).
    public var secret: Result<String, any Error>
    public var type: String
    public var createdAt: Date
    public var data: String
    /// This attempt's number, from 1.
    public var attempt: Int

    /// The body posted: `{"id", "type", "programId", "createdAt", "data"}`.
    public var body: String {
        "{\"id\":\(JSONValue.string(id).text),\"type\":\(JSONValue.string(type).text),\"programId\":\(JSONValue.string(program).text),"
            + "\"createdAt\":\(JSONValue.string(RFC3339.format(createdAt, in: .gmt)).text),\"data\":\(data)}"
    }
}

/// Webhooks, their durable queue of deliveries in PostgreSQL, and the signature receivers check.
public final class WebhookStore: Sendable {
    private let postgres: PostgresPool
    /// Seals secrets as they are stored, opens them to sign.
    private let secrets: SecretKeyring
    /// The wait after the first failed attempt; it doubles with each failure, up to `maximumRetryDelay`.
    let firstRetryDelay: Duration
    static let maximumRetryDelay: Duration = .seconds(3600)
    /// Deliveries are tried for this long after they were queued, then given up (`failed`).
    static let retryFor = "3 days"
    /// How long a claimed delivery waits before another instance may try it (a sender that died mid-attempt).
    static let attemptLease = "30 seconds"

    public init(postgres: PostgresPool, secrets: SecretKeyring, firstRetryDelay: Duration = .seconds(10)) {
        self.postgres = postgres
        self.secrets = secrets
        self.firstRetryDelay = firstRetryDelay
    }

    /// Creates or replaces a webhook, audited as `actor`'s (never its secret); returns it, and whether it was created.
    public func put(program: String, id: String, url: String, events: [WebhookEventType], secret: String, actor: String) async throws
        -> (Webhook, created: Bool)
    {
        let sealed = try secrets.seal(secret, context: Self.secretContext(program: program, id: id))
        // The program's row first, as `BadgeStore.put` does: group commits started before wait, later ones see it.
        let rows = try await postgres.transaction { connection in
            try connection.query("SELECT 1 FROM programs WHERE id = $1 FOR UPDATE", [program])
            let before = try connection.query("""
                SELECT \(Self.audited) AS audited FROM webhooks WHERE program_id = $1 AND webhook_id = $2 AND deleted_at IS NULL
                """, [program, id]).first?.string("audited")
            let rows = try connection.query("""
                INSERT INTO webhooks AS w (program_id, webhook_id, url, events, secret_sealed, secret_key_id)
                VALUES ($1, $2, $3, $4::text[], decode($5, 'base64'), $6)
                ON CONFLICT (program_id, webhook_id) DO UPDATE SET url = EXCLUDED.url, events = EXCLUDED.events, secret = NULL,
                    secret_sealed = EXCLUDED.secret_sealed, secret_key_id = EXCLUDED.secret_key_id, updated_at = now(), deleted_at = NULL
                RETURNING \(Self.columns), (xmax = 0) AS created, \(Self.audited) AS audited
                """, [program, id, url, PostgresArray.literal(events.map(\.rawValue)), sealed.box.base64EncodedString(), sealed.keyId])
            try AuditLog.record(program: program, actor: actor, action: "webhook.saved", target: "webhooks/\(id)", before: before,
                                after: try rows.first?.string("audited"), on: connection)
            return rows
        }
        guard let row = rows.first else { throw PostgresError(kind: .decoding, message: "webhooks: no row returned") }
        return (try Webhook(row), try row.bool("created"))
    }

    /// A webhook as the audit log shows it (SQL on a `webhooks` row): never its secret.
    static let audited = "jsonb_build_object('webhookId', webhook_id, 'url', url, 'events', to_jsonb(events))::text"

    static let columns = """
        webhook_id, url, array_to_json(events)::text AS events, extract(epoch FROM created_at) AS created_at, extract(epoch FROM updated_at) AS updated_at
        """

    public func list(program: String) async throws -> [Webhook] {
        return try await postgres.query("SELECT \(Self.columns) FROM webhooks WHERE program_id = $1 AND deleted_at IS NULL ORDER BY webhook_id",
                                        [program]).map(Webhook.init)
    }

    /// Deletes a webhook: nothing more is queued for it, and what is queued is not sent. Audited as `actor`'s; a 404
    /// when there is none.
    public func delete(program: String, id: String, actor: String) async throws {
        let deleted: Bool
        deleted = try await postgres.transaction { connection in
            try connection.query("SELECT 1 FROM programs WHERE id = $1 FOR UPDATE", [program])
            try connection.query("""
                UPDATE webhook_deliveries SET next_attempt_at = NULL, last_error = 'webhook deleted'
                WHERE program_id = $1 AND webhook_id = $2 AND next_attempt_at IS NOT NULL
                """, [program, id])
            guard let row = try connection.query("""
                UPDATE webhooks SET deleted_at = now() WHERE program_id = $1 AND webhook_id = $2 AND deleted_at IS NULL RETURNING \(Self.audited) AS audited
                """, [program, id]).first else { return false }
            try AuditLog.record(program: program, actor: actor, action: "webhook.deleted", target: "webhooks/\(id)",
                                before: try row.string("audited"), after: nil, on: connection)
            return true
        }
        guard deleted else { throw Self.notFound(id, program: program) }
    }

    /// The webhook's most recent deliveries, newest first (a 404 for an unknown webhook).
    public func deliveries(program: String, id: String, limit: Int) async throws -> [WebhookDelivery] {
        let exists: Bool, rows: PostgresRows
        (exists, rows) = try await postgres.withConnection { connection in
            let exists = try connection.query("SELECT 1 FROM webhooks WHERE program_id = $1 AND webhook_id = $2 AND deleted_at IS NULL",
                                              [program, id]).count == 1
            let rows = try connection.query("""
                SELECT id::text AS id, type, extract(epoch FROM created_at) AS created_at, attempts, last_status, last_error,
                       extract(epoch FROM last_attempt_at) AS last_attempt_at, extract(epoch FROM next_attempt_at) AS next_attempt_at,
                       extract(epoch FROM delivered_at) AS delivered_at
                FROM webhook_deliveries WHERE program_id = $1 AND webhook_id = $2 ORDER BY created_at DESC, id LIMIT $3::int
                """, [program, id, String(limit)])
            return (exists, rows)
        }
        guard exists else { throw Self.notFound(id, program: program) }
        return try rows.map { row in
            func date(_ column: String) -> Date? { row.optionalString(column).flatMap(Double.init).map(Date.init(timeIntervalSince1970:)) }
            let delivered = date("delivered_at"), next = date("next_attempt_at")
            return WebhookDelivery(id: try row.string("id"), type: try row.string("type"), createdAt: Date(timeIntervalSince1970: try row.double("created_at")),
                                   attempts: try row.int("attempts"), state: delivered != nil ? .delivered : next != nil ? .pending : .failed,
                                   lastAttemptAt: date("last_attempt_at"), lastStatus: row.optionalString("last_status").flatMap(Int.init),
                                   lastError: row.optionalString("last_error"), nextAttemptAt: next, deliveredAt: delivered)
        }
    }

    /// Queues a `webhook.test` delivery to one webhook (what the console's "send a test" does), sent and signed like any
    /// other; its id, or a 404 for an unknown webhook.
    public func queueTest(program: String, id: String, actor: String) async throws -> String {
        let rows = try await postgres.query("""
            INSERT INTO webhook_deliveries (program_id, webhook_id, type, data, next_attempt_at)
            SELECT program_id, webhook_id, 'webhook.test', jsonb_build_object('message', 'A test delivery, asked for by ' || $3::text), now()
            FROM webhooks WHERE program_id = $1 AND webhook_id = $2 AND deleted_at IS NULL
            RETURNING id::text AS id
            """, [program, id, actor])
        guard let row = rows.first else { throw Self.notFound(id, program: program) }
        return try row.string("id")
    }

    static func notFound(_ id: String, program: String) -> RallyError {
        RallyError(.notFound, "webhook '\(id)' does not exist in program '\(program)'")
    }

    // MARK: - The queue

    /// Queues each notification for every webhook of its program subscribed to its type, in the current transaction:
    /// what made it and its deliveries commit together, or neither.
    static func enqueue(_ notifications: [WebhookNotification], on connection: PostgresConnection) throws {
        guard !notifications.isEmpty else { return }
        try connection.run(EnqueueNotifications(notifications: notifications))
    }

    /// The notification types the program's webhooks subscribe to, with the program's row held `FOR SHARE` until the
    /// transaction ends: a change of its webhooks waits for it (`put`), so what this transaction leaves out was not
    /// subscribed when it committed.
    static func subscribed(program: String, on connection: PostgresConnection) throws -> Set<WebhookEventType> {
        let rows = try connection.query("""
            WITH p AS (SELECT id FROM programs WHERE id = $1 FOR SHARE)
            SELECT e FROM p, webhooks w, unnest(w.events) e WHERE w.program_id = p.id AND w.deleted_at IS NULL GROUP BY e
            """, [program])
        return Set(try rows.compactMap { WebhookEventType(rawValue: try $0.string("e")) })
    }

    /// Takes up to `limit` deliveries that are due, oldest first, for this instance to attempt now (others skip them
    /// until `attemptLease` has passed).
    public func claimDue(limit: Int) async throws -> [DueDelivery] {
        try await postgres.query("""
            WITH due AS (
                SELECT id FROM webhook_deliveries WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1::int FOR UPDATE SKIP LOCKED)
            UPDATE webhook_deliveries d SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + interval '\(Self.attemptLease)'
            FROM due, webhooks w
            WHERE d.id = due.id AND w.program_id = d.program_id AND w.webhook_id = d.webhook_id
            RETURNING d.id::text AS id, d.program_id, d.webhook_id, w.url, \(Self.secretColumns), d.type,
                      extract(epoch FROM d.created_at) AS created_at, d.data::text AS data, d.attempts
            """, [String(limit)]).map { row in
            let program = try row.string("program_id")
            let context = Self.secretContext(program: program, id: try row.string("webhook_id"))
            return DueDelivery(id: try row.string("id"), program: program, url: try row.string("url"),
                               secret: Result { try self.secret(row, context: context) },
                               type: try row.string("type"), createdAt: Date(timeIntervalSince1970: try row.double("created_at")),
                               data: try row.string("data"), attempt: try row.int("attempts"))
        }
    }

    // MARK: - Secrets at rest

    /// What a sealed secret is bound to: its webhook.
    static func secretContext(program: String, id: String) -> String {
        "webhooks/\(program)/\(id)"
    }

    /// The columns `secret(_:context:)` reads, from a `webhooks` row named `w`.
    static let secretColumns = "w.secret, encode(w.secret_sealed, 'base64') AS secret_sealed, w.secret_key_id"

    /// A row's secret: opened, or as stored before secrets were sealed (until `sealStoredSecrets` runs).
    private func secret(_ row: PostgresRow, context: String) throws -> String {
        if let plain = row.optionalString("secret") { return plain }
        guard let box = Data(base64Encoded: try row.string("secret_sealed"), options: .ignoreUnknownCharacters) else {
            throw PostgresError(kind: .decoding, message: "webhooks.secret_sealed: not base64")
        }
        return try secrets.open(SealedSecret(keyId: try row.string("secret_key_id"), box: box), context: context)
    }

    /// What `sealStoredSecrets` did: how many secrets it sealed under the current key, and how many it left as they
    /// were because no key of the keyring opens them (by the id of the key that sealed them).
    public struct Sealing: Sendable, Equatable {
        public var sealed = 0
        public var unopened: [String: Int] = [:]

        public init(sealed: Int = 0, unopened: [String: Int] = [:]) {
            self.sealed = sealed
            self.unopened = unopened
        }
    }

    /// Seals under the current key every secret still stored plain; with `rotating`, also every secret sealed under
    /// another key (`rally rotate-secret-key`). Deleted webhooks too: they may be put back. One transaction: each
    /// secret is in one form or the other, never lost between two.
    public func sealStoredSecrets(rotating: Bool) async throws -> Sealing {
        try await postgres.transaction { connection in
            let rows = try connection.query("""
                SELECT w.program_id, w.webhook_id, \(Self.secretColumns) FROM webhooks w
                WHERE w.secret IS NOT NULL OR ($1::bool AND w.secret_key_id <> $2) ORDER BY w.program_id, w.webhook_id FOR UPDATE
                """, [rotating.postgresText, self.secrets.current.id])
            var sealing = Sealing()
            for row in rows {
                let program = try row.string("program_id"), id = try row.string("webhook_id")
                if let keyId = row.optionalString("secret_key_id"), !self.secrets.holds(keyId) {
                    sealing.unopened[keyId, default: 0] += 1
                    continue
                }
                let context = Self.secretContext(program: program, id: id)
                let sealed = try self.secrets.seal(try self.secret(row, context: context), context: context)
                try connection.query("""
                    UPDATE webhooks SET secret = NULL, secret_sealed = decode($3, 'base64'), secret_key_id = $4
                    WHERE program_id = $1 AND webhook_id = $2
                    """, [program, id, sealed.box.base64EncodedString(), sealed.keyId])
                sealing.sealed += 1
            }
            return sealing
        }
    }

    /// How many secrets are sealed under keys the keyring does not hold, by key id: their deliveries cannot be signed.
    public func secretsUnderUnknownKeys() async throws -> [String: Int] {
        var unknown: [String: Int] = [:]
        for row in try await postgres.query("SELECT secret_key_id, count(*) AS n FROM webhooks WHERE secret_key_id IS NOT NULL GROUP BY 1") {
            let keyId = try row.string("secret_key_id")
            if !secrets.holds(keyId) { unknown[keyId] = try row.int("n") }
        }
        return unknown
    }

    /// Records an attempt: delivered on a 2xx; otherwise tried again after a delay that doubles with each attempt, until
    /// `retryFor` after the delivery was queued.
    public func recordAttempt(_ delivery: DueDelivery, status: Int?, error: String?) async throws {
        if let status, (200..<300).contains(status) {
            try await postgres.query("""
                UPDATE webhook_deliveries SET delivered_at = now(), next_attempt_at = NULL, last_status = $2::int, last_error = NULL WHERE id = $1::uuid
                """, [delivery.id, String(status)])
            return
        }
        let delay = min(firstRetryDelay * (1 << min(delivery.attempt - 1, 20)), Self.maximumRetryDelay)
        try await postgres.query("""
            UPDATE webhook_deliveries SET last_status = $2::int, last_error = $3,
                next_attempt_at = CASE WHEN created_at + interval '\(Self.retryFor)' > now() THEN now() + make_interval(secs => $4::float8) END
            WHERE id = $1::uuid
            """, [delivery.id, status.map(String.init), error.map { String($0.prefix(500)) }, String(delay.seconds)])
    }

    /// The `Rally-Signature` header of a delivery body sent at `timestamp` (seconds since 1970):
    /// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
    public static func signature(secret: String, timestamp: Int, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
