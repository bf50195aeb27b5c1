import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyCore
import RallyServer
import RallyTestSupport
import Synchronization
import Testing

/// Webhooks cannot reach inside the network Rally runs in (server-side request forgery): refused when defined, by
/// address or by a name that resolves inside, and again at delivery, on the address then connected to.
@Suite("Webhooks stay outside the network")
struct WebhookTargetTests {
    /// A resolver whose answers the test sets (the sandbox has no DNS; the receiver and Rally are real).
    final class Names: NameResolver {
        let table = Mutex<[String: [String]]>([:])

        func addresses(of host: String) async throws -> [NetworkAddress] {
            guard let found = table.withLock({ $0[host] }) else { throw CancellationError() }
            return found.compactMap(NetworkAddress.init)
        }

        func set(_ host: String, _ addresses: [String]) { table.withLock { $0[host] = addresses } }
    }

    static let names: Names = {
        let names = Names()
        names.set("hooks.example.com", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
        names.set("inside.example.com", ["93.184.216.34", "10.1.2.3"])
        names.set("metadata.example.com", ["169.254.169.254"])
        names.set("localhost", ["127.0.0.1", "::1"])
        names.set("six.example.com", ["fd00::5"])
        return names
    }()

    /// Ana posts for the first time, and earns a badge: one `badge.awarded` delivery is due.
    static func makeADeliveryDue(_ program: TestProgram) async throws {
        try await program.addMembers(["ana"])
        try await BadgeAwardTests.defineBadge(program, "first-post", #"{"name": "First post", "criteria": {"type": "firstAction", "action": "post"}}"#)
        try await program.record(EventInput(id: "p1", memberId: "ana", action: "post"))
    }

    static func put(_ program: TestProgram, _ url: String) async throws -> TestResponse {
        try await WebhookTests.putWebhook(program, url: url, events: ["badge.awarded"])
    }

    static let inside = [
        "http://127.0.0.1:9/hook", "http://127.1.2.3/", "http://0.0.0.0/", "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.0.10/",
        "http://100.64.0.1/", "http://169.254.169.254/latest/meta-data/", "http://224.0.0.1/", "http://255.255.255.255/",
        "http://[::1]/", "http://[::]/", "http://[fe80::1]/", "http://[fd00::1]/", "http://[ff02::1]/",
        "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://[64:ff9b::a00:1]/",
        "http://localhost:8080/", "https://inside.example.com/hook", "https://metadata.example.com/", "https://six.example.com/",
    ]

    /// Every form of an address inside.
    @Test func aWebhookInsideTheNetworkIsRefused() async throws {
        try await TestApp.run(resolver: Self.names, webhookAllowPrivate: false) { app in
            let program = try await app.createProgram()
            for url in Self.inside {
                let response = try await Self.put(program, url)
                #expect(response.status == .unprocessableContent, "\(url)")
                try expectError(response, .unprocessableContent, code: "validation_failed", fields: ["url"])
            }
            #expect((try jsonObject(try await app.send(.get, "\(program.path)/webhooks", key: program.adminKey))["webhooks"] as? [[String: Any]])?.count == 0)
        }
    }

    @Test func aWebhookOutsideIsAcceptedAndANameThatDoesNotResolveIsCheckedAtDelivery() async throws {
        try await TestApp.run(resolver: Self.names, webhookAllowPrivate: false) { app in
            let program = try await app.createProgram()
            let urls = ["https://hooks.example.com/rally", "http://93.184.216.34/hook", "http://[2606:2800:220:1:248:1893:25c8:1946]/", "https://unknown.example.com/"]
            for (index, url) in urls.enumerated() {
                try requireStatus(try await Self.put(program, url), index == 0 ? .created : .ok)
            }
        }
    }

    /// DNS rebinding: the name pointed outside when the webhook was defined, inside when a delivery is due.
    @Test func aNameThatMovedInsideIsRefusedAtDelivery() async throws {
        try await WebhookTests.withReceiver { inbox, url in
            let port = try #require(URLComponents(string: url)?.port)
            let names = Names()
            names.set("rebind.example.com", ["93.184.216.34"])
            try await TestApp.run(resolver: names, webhookAllowPrivate: false, background: .milliseconds(100)) { app in
                let program = try await app.createProgram()
                try requireStatus(try await Self.put(program, "http://rebind.example.com:\(port)/hook"), .created)
                names.set("rebind.example.com", ["127.0.0.1"])
                try await Self.makeADeliveryDue(program)
                var deliveries: [[String: Any]] = []
                _ = try await eventually(within: .seconds(10), poll: .milliseconds(50)) {
                    let answer = try jsonObject(try await app.send(.get, "\(program.path)/webhooks/platform/deliveries", key: program.adminKey))
                    deliveries = answer["deliveries"] as? [[String: Any]] ?? []
                    // An attempt counts when claimed; its error is written once it is over.
                    return deliveries.first?["lastError"] is String
                }
                #expect(deliveries.first?["status"] as? String == "pending")
                #expect(deliveries.first?["lastStatus"] is NSNull)
                #expect((deliveries.first?["lastError"] as? String)?.contains("refused: 127.0.0.1 is a loopback address") == true,
                        "\(String(describing: deliveries.first?["lastError"]))")
                #expect(inbox.requests.withLock { $0.count } == 0, "nothing reached the receiver")
            }
        }
    }

    /// A delivery connects to the address its name was checked at: the name is the resolver's alone (no DNS knows it),
    /// and the receiver sees it as the request's host.
    @Test func aDeliveryGoesToTheAddressItsNameWasCheckedAt() async throws {
        try await WebhookTests.withReceiver { inbox, url in
            let port = try #require(URLComponents(string: url)?.port)
            let names = Names()
            names.set("receiver.example.com", ["127.0.0.1"])
            try await TestApp.run(resolver: names, webhookAllowPrivate: true, background: .milliseconds(100)) { app in
                let program = try await app.createProgram()
                try requireStatus(try await Self.put(program, "http://receiver.example.com:\(port)/hook"), .created)
                try await Self.makeADeliveryDue(program)
                try await inbox.wait(for: 1)
                #expect(inbox.hosts.withLock { $0 } == ["receiver.example.com:\(port)"])
                #expect(inbox.bodies.first?["type"] as? String == "badge.awarded")
            }
        }
    }
}
