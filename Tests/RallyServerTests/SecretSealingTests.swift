import Crypto
import Foundation
import Postgres
import RallyLedger
import RallyServer
import RallyTestSupport
import Testing

/// Webhook secrets at rest: ciphertext in PostgreSQL, opened only with the operator's key, re-sealed by a rotation; the
/// receiver's copy still verifies every delivery.
@Suite("Trust: webhook secrets sealed at rest")
struct SecretSealingTests {
    static let keyA = TestApp.secretKey
    static let keyB = SecretKeyring.Key(base64: "4Vx0fHcOEYnfrbuY+G24sx8bDwFwiKhpvHvU6rrmKUk=")!
    static let keyC = SecretKeyring.Key(base64: SecretKeyring.Key.newBase64())!

    /// A webhook's secret as PostgreSQL holds it.
    struct Stored {
        var plain: String?
        var sealed: Data?
        var keyId: String?
    }

    static func stored(_ database: TestDatabase, program: String, webhook: String = "platform") async throws -> Stored {
        let row = try await database.withPool { pool in
            try await pool.query("SELECT secret, encode(secret_sealed, 'base64') AS sealed, secret_key_id FROM webhooks WHERE program_id = $1 AND webhook_id = $2",
                                 [program, webhook])[0]
        }
        return Stored(plain: row.optionalString("secret"),
                      sealed: row.optionalString("sealed").flatMap { Data(base64Encoded: $0, options: .ignoreUnknownCharacters) },
                      keyId: row.optionalString("secret_key_id"))
    }

    /// A program with one member and a webhook `platform` to `url` for levels reached and retractions; points for posts
    /// and levels every 10 points, so that each post reaches a level.
    static func program(_ app: TestApp, url: String) async throws -> TestProgram {
        let program = try await app.createProgram()
        try await program.addMembers(["ana"])
        try requireStatus(try await WebhookTests.putWebhook(program, url: url, events: ["level.reached", "event.retracted"]), .created)
        _ = try await RulesTests.setRules(program, #"""
            {"actions": {"post": {"points": 10}}, "levels": [{"name": "L0", "minPoints": 0}, {"name": "L1", "minPoints": 10}, {"name": "L2", "minPoints": 20}]}
            """#)
        return program
    }

    @Test func aSecretIsCiphertextInTheDatabaseAndDeliveriesStillVerify() async throws {
        try await WebhookTests.withReceiver { inbox, url in
            try await TestApp.run(background: .milliseconds(100)) { app in
                let program = try await Self.program(app, url: url)
                let stored = try await Self.stored(app.database, program: program.id)
                #expect(stored.plain == nil)
                #expect(stored.keyId == Self.keyA.id)
                let sealed = try #require(stored.sealed)
                #expect(sealed.range(of: Data(WebhookTests.secret.utf8)) == nil, "the secret does not appear in what is stored")
                // Opened apart from Rally, from the key's bytes: AES-256-GCM, nonce first, bound to the webhook.
                let key = SymmetricKey(data: try #require(Data(base64Encoded: "1DaB61tDR3gDgixlxR1bkyNSY4hvYuKszmsuinZs8AI=")))
                let box = try AES.GCM.SealedBox(combined: sealed)
                let opened = try AES.GCM.open(box, using: key, authenticating: Data("webhooks/\(program.id)/platform".utf8))
                #expect(String(decoding: opened, as: UTF8.self) == WebhookTests.secret)
                #expect(throws: (any Error).self) { try AES.GCM.open(box, using: key, authenticating: Data("webhooks/\(program.id)/other".utf8)) }

                try await program.record(EventInput(id: "p1", memberId: "ana", action: "post"))
                let delivered = try #require(try await inbox.wait(forType: "level.reached"))
                #expect(delivered["programId"] as? String == program.id)
                let request = try #require(inbox.requests.withLock { $0 }.first)
                #expect(WebhookTests.signatureVerifies(request.signature, body: request.body), "the receiver's copy of the secret verifies it")
            }
        }
    }

    @Test func aSecretStoredPlainIsSealedAtStartAndARotationResealsItUnderTheNewKey() async throws {
        try await WebhookTests.withReceiver { inbox, url in
            try await TestDatabase.withFresh { database in
                let program = try await TestApp.run(database: database) { app in try await Self.program(app, url: url) }
                // As a version before sealing left it.
                try await database.execute("UPDATE webhooks SET secret = $2, secret_sealed = NULL, secret_key_id = NULL WHERE program_id = $1",
                                           [program.id, WebhookTests.secret])

                // Starting seals it under the key of the day.
                try await TestApp.run(database: database, secretKeys: [Self.keyA]) { _ in }
                var stored = try await Self.stored(database, program: program.id)
                #expect(stored.plain == nil && stored.keyId == Self.keyA.id && stored.sealed != nil)

                // `rally rotate-secret-key` with B as the key and A as the previous one re-seals under B, once.
                let sealedUnderA = stored.sealed
                let rotation = try await database.withPool { pool in
                    let store = WebhookStore(postgres: pool, secrets: SecretKeyring(current: Self.keyB, previous: [Self.keyA]))
                    return (try await store.sealStoredSecrets(rotating: true), try await store.sealStoredSecrets(rotating: true))
                }
                #expect(rotation.0 == WebhookStore.Sealing(sealed: 1, unopened: [:]))
                #expect(rotation.1 == WebhookStore.Sealing(sealed: 0, unopened: [:]), "nothing is left under another key")
                stored = try await Self.stored(database, program: program.id)
                #expect(stored.keyId == Self.keyB.id && stored.sealed != sealedUnderA)
                // A keyring without B cannot open it: the rotation reports it and changes nothing.
                let stranger = try await database.withPool { pool in
                    try await WebhookStore(postgres: pool, secrets: SecretKeyring(current: Self.keyC)).sealStoredSecrets(rotating: true)
                }
                #expect(stranger == WebhookStore.Sealing(sealed: 0, unopened: [Self.keyB.id: 1]))
                #expect(try await Self.stored(database, program: program.id).keyId == Self.keyB.id)

                // With B alone, deliveries verify with the receiver's copy of the secret.
                try await TestApp.run(database: database, secretKeys: [Self.keyB], background: .milliseconds(100)) { app in
                    _ = try await TestProgram(app: app, id: program.id, adminKey: program.adminKey, ingestKey: program.ingestKey, readKey: program.readKey)
                        .record(EventInput(id: "p1", memberId: "ana", action: "post"))
                    _ = try #require(try await inbox.wait(forType: "level.reached"))
                    let request = try #require(inbox.requests.withLock { $0 }.first)
                    #expect(WebhookTests.signatureVerifies(request.signature, body: request.body))
                }
                // With A alone (the old key), a delivery cannot be signed: none is sent, and the attempt says why.
                let sent = inbox.requests.withLock { $0.count }
                try await TestApp.run(database: database, secretKeys: [Self.keyA], background: .milliseconds(100)) { app in
                    let moved = TestProgram(app: app, id: program.id, adminKey: program.adminKey, ingestKey: program.ingestKey, readKey: program.readKey)
                    try requireStatus(try await RetractionTests.retract(moved, "p1"), .ok)
                    var error: String?
                    _ = try await eventually(within: .seconds(10), poll: .milliseconds(50)) {
                        let deliveries = try jsonObject(try await app.send(.get, "\(moved.path)/webhooks/platform/deliveries", key: program.adminKey))
                        error = (deliveries["deliveries"] as? [[String: Any]])?.compactMap { $0["lastError"] as? String }.first
                        return error != nil
                    }
                    #expect(error?.contains("sealed under key \(Self.keyB.id)") == true)
                }
                #expect(inbox.requests.withLock { $0.count } == sent)
            }
        }
    }
}
