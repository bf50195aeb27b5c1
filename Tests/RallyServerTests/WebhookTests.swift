import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import RallyTestSupport
import Testing

/// Webhooks against a real HTTP receiver the test starts: signed deliveries, at least once with the same id through
/// failures, queued durably across a restart of Rally.
@Suite("Webhooks")
struct WebhookTests {
    /// What the receiver saw: each request's signature header and body.
    final class Inbox: Sendable {
        let requests = Mutex<[(signature: String, body: String, status: Int)]>([])
        /// How many requests to answer 500 before answering 200.
        let failuresLeft: Mutex<Int>

        init(failing: Int) {
            failuresLeft = Mutex(failing)
        }

        /// While true, every request is answered 503.
        let down = Mutex(false)
        /// The `Host` header of each request.
        let hosts = Mutex<[String]>([])

        func receive(signature: String, body: String) -> HTTPResponse.Status {
            let status: HTTPResponse.Status = down.withLock { $0 } ? .serviceUnavailable : failuresLeft.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0 ? .internalServerError : .ok
            }
            requests.withLock { $0.append((signature, body, status.code)) }
            return status
        }

        var bodies: [[String: Any]] {
            requests.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any] }
        }

        /// Waits until `count` requests arrived.
        func wait(for count: Int, timeout: Duration = .seconds(10)) async throws {
            _ = try await eventually(within: timeout, poll: .milliseconds(50)) { requests.withLock { $0.count } >= count }
        }

        /// Waits until a delivery of `type` arrived; returns its body.
        func wait(forType type: String, timeout: Duration = .seconds(10)) async throws -> [String: Any]? {
            _ = try await eventually(within: timeout, poll: .milliseconds(50)) { bodies.contains { $0["type"] as? String == type } }
            return bodies.first { $0["type"] as? String == type }
        }
    }

    /// Runs `body` with a receiver listening on 127.0.0.1 (a port of its own) at `/hook`.
    static func withReceiver(failing: Int = 0, _ body: @Sendable (Inbox, String) async throws -> Void) async throws {
        let inbox = Inbox(failing: failing)
        let router = Router()
        router.post("/hook") { request, context -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            inbox.hosts.withLock { $0.append(request.head.authority ?? "") }
            let status = inbox.receive(signature: request.headers[HTTPField.Name("Rally-Signature")!] ?? "", body: String(buffer: buffer))
            return Response(status: status)
        }
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await receiver.test(.live) { client in
            try await body(inbox, "http://127.0.0.1:\(try #require(client.port))/hook")
        }
    }

    static let secret = "whsec-test-0123456789abcdef"

    /// The receiver's check, written from the contract: `t=<seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
    static func signatureVerifies(_ header: String, body: String, secret: String = secret) -> Bool {
        let parts = Dictionary(uniqueKeysWithValues: header.split(separator: ",").compactMap { part -> (String, String)? in
            let pair = part.split(separator: "=", maxSplits: 1)
            return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
        })
        guard let timestamp = parts["t"], let given = parts["v1"], let seconds = Double(timestamp),
              abs(seconds - Date().timeIntervalSince1970) < 300 else { return false }
        let expected = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return expected.map { String(format: "%02x", $0) }.joined() == given
    }

    static func putWebhook(_ program: TestProgram, url: String, events: [String]) async throws -> TestResponse {
        try await program.app.send(.put, "\(program.path)/webhooks/platform", key: program.adminKey,
                                   json: ["url": .string(url), "events": .array(events.map(JSONText.string)), "secret": .string(secret)] as [String: JSONText])
    }

    @Test func aDeliveryThatFailsTwiceArrivesThreeTimesWithOneIdAndAValidSignature() async throws {
        try await Self.withReceiver(failing: 2) { inbox, url in
            try await TestApp.run(background: .milliseconds(100)) { app in
                let program = try await app.createProgram()
                try await program.addMembers(["ana"])
                let created = try await Self.putWebhook(program, url: url, events: ["badge.awarded", "event.retracted"])
                try requireStatus(created, .created)
                #expect(try jsonObject(created)["secret"] == nil, "the secret is never shown")
                try await BadgeAwardTests.defineBadge(program, "first-post", #"{"name": "First post", "criteria": {"type": "firstAction", "action": "post"}}"#)
                try await program.record(EventInput(id: "p1", memberId: "ana", action: "post"))

                // Until Rally records the third attempt's 200 (just after the receiver sent it).
                var list: [[String: Any]] = []
                _ = try await eventually(within: .seconds(10), poll: .milliseconds(50)) {
                    let deliveries = try jsonObject(try await app.send(.get, "\(program.path)/webhooks/platform/deliveries", key: program.adminKey))
                    list = try #require(deliveries["deliveries"] as? [[String: Any]])
                    return list.first?["status"] as? String == "delivered"
                }
                #expect(list.count == 1)
                #expect(list.first?["status"] as? String == "delivered")
                #expect(list.first?["lastStatus"] as? Int == 200)
                #expect(list.first?["attempts"] as? Int == 3)

                let requests = inbox.requests.withLock { $0 }
                #expect(Array(requests.prefix(3).map(\.status)) == [500, 500, 200], "failed twice, then delivered")
                #expect(requests.allSatisfy { Self.signatureVerifies($0.signature, body: $0.body) })
                #expect(!Self.signatureVerifies(requests[0].signature, body: requests[0].body, secret: "another-secret-of-16"))
                let bodies = inbox.bodies
                #expect(Set(bodies.compactMap { $0["id"] as? String }).count == 1, "the same delivery id each time")
                #expect(bodies.allSatisfy { $0["type"] as? String == "badge.awarded" })
                let data = try #require(bodies.first?["data"] as? [String: Any])
                #expect(data["memberId"] as? String == "ana")
                #expect(data["badgeId"] as? String == "first-post")
                #expect(data["eventId"] as? String == "p1")
                #expect(bodies.first?["programId"] as? String == program.id)

                try requireStatus(try await RetractionTests.retract(program, "p1"), .ok)
                let retracted = try #require(try await inbox.wait(forType: "event.retracted"))
                #expect((retracted["data"] as? [String: Any])?["pointsReversed"] as? Int == 25)
            }
        }
    }

    @Test func whatWasQueuedBeforeARestartIsDeliveredAfterIt() async throws {
        try await Self.withReceiver { inbox, url in
            // Rally records a level reached while the receiver is down, then stops.
            inbox.down.withLock { $0 = true }
            try await TestDatabase.withFresh { database in
                let program = try await TestApp.run(database: database, background: .seconds(60)) { app in
                    let program = try await app.createProgram()
                    try await program.addMembers(["ana"])
                    try requireStatus(try await Self.putWebhook(program, url: url, events: ["level.reached"]), .created)
                    _ = try await RulesTests.setRules(program, #"{"actions": {"post": {"points": 25}}, "levels": [{"name": "Rookie", "minPoints": 0}, {"name": "Pro", "minPoints": 20}]}"#)
                    #expect(try await program.record(EventInput(id: "p1", memberId: "ana", action: "post")).levelReached?.name == "Pro")
                    return program
                }
                // The receiver comes back; a Rally on the same database (this one restarted) delivers what was queued.
                let failed = inbox.requests.withLock { $0.count }
                inbox.down.withLock { $0 = false }
                try await TestApp.run(database: database, background: .milliseconds(100)) { _ in
                    try await inbox.wait(for: failed + 1, timeout: .seconds(10))
                }
                #expect(Set(inbox.bodies.compactMap { $0["id"] as? String }).count == 1, "every attempt is the one delivery")
                let body = try #require(inbox.bodies.last)
                #expect(body["type"] as? String == "level.reached")
                #expect(body["programId"] as? String == program.id)
                #expect(((body["data"] as? [String: Any])?["level"] as? [String: Any])?["name"] as? String == "Pro")
            }
        }
    }

    @Test func webhookDocumentsAreValidatedAndOnlyAdminsManageThem() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let invalid = try await program.app.send(.put, "\(program.path)/webhooks/x", key: program.adminKey,
                                                     body: #"{"url": "ftp://example.com", "events": ["badge.awarded", "coffee.brewed", "badge.awarded"], "secret": "short"}"#)
            #expect(try expectError(invalid, .unprocessableContent, code: "validation_failed").details.map(\.field) == ["url", "events[1]", "events[2]", "secret"])
            try expectError(try await program.app.send(.get, "\(program.path)/webhooks", key: program.readKey), .forbidden, code: "forbidden")
            try requireStatus(try await Self.putWebhook(program, url: "https://hooks.example.com/rally", events: ["leaderboard.closed"]), .created)
            try requireStatus(try await Self.putWebhook(program, url: "https://hooks.example.com/rally2", events: ["leaderboard.closed"]), .ok)
            let listed = try jsonObject(try await app.send(.get, "\(program.path)/webhooks", key: program.adminKey))
            #expect((listed["webhooks"] as? [[String: Any]])?.map { $0["url"] as? String } == ["https://hooks.example.com/rally2"])
            try requireStatus(try await app.send(.delete, "\(program.path)/webhooks/platform", key: program.adminKey), .noContent)
            try expectError(try await app.send(.get, "\(program.path)/webhooks/platform/deliveries", key: program.adminKey), .notFound, code: "not_found")
        }
    }
}

/// A JSON value for request bodies built in tests.
enum JSONText: Encodable {
    case string(String)
    case array([JSONText])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(value): try container.encode(value)
        case let .array(values): try container.encode(values)
        }
    }
}
