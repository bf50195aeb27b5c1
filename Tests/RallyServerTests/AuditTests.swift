import Foundation
import HummingbirdTesting
import RallyCore
import Testing

struct AuditPageDTO: Decodable {
    struct Entry: Decodable {
        var id: String
        var at: String
        var actor: String
        var action: String
        var target: String
        var before: JSONValue?
        var after: JSONValue?
    }

    var entries: [Entry]
    var nextCursor: String?
}

/// `GET …/audit`: every administrative change, newest first, with who made it and the resource before and after.
@Suite("Trust: the audit log")
struct AuditTests {
    static func audit(_ program: TestProgram, _ query: String = "limit=200") async throws -> AuditPageDTO {
        let response = try await program.app.send(.get, "\(program.path)/audit?\(query)", key: program.adminKey)
        try requireStatus(response, .ok)
        return try decode(AuditPageDTO.self, from: response)
    }

    @Test func everyAdministrativeChangeIsListedWithItsActorBeforeAndAfter() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let keys = try decode(KeyListDTO.self, from: try await app.send(.get, "\(program.path)/keys", key: program.adminKey)).keys
            let adminKeyId = try #require(keys.first { $0.role == "admin" }?.id)
            let ingestKeyId = try #require(keys.first { $0.role == "ingest" }?.id)

            try requireStatus(try await app.send(.patch, program.path, key: program.adminKey, body: #"{"name": "Renamed"}"#), .ok)
            let spare = try await program.createKey(role: "read", label: "spare")
            try requireStatus(try await app.send(.delete, "\(program.path)/keys/\(spare.id)", key: program.adminKey), .noContent)
            _ = try await RulesTests.setRules(program, #"{"actions": {"post": {"points": 30}}}"#)
            let badge = #"{"name": "First post", "criteria": {"type": "firstAction", "action": "post"}}"#
            try requireStatus(try await app.send(.put, "\(program.path)/badges/first-post", key: program.adminKey, body: badge), .created)
            try requireStatus(try await app.send(.delete, "\(program.path)/badges/first-post", key: program.adminKey), .noContent)
            let hook = #"{"url": "http://127.0.0.1:9/hook", "events": ["badge.awarded"], "secret": "s3cret-never-logged"}"#
            try requireStatus(try await app.send(.put, "\(program.path)/webhooks/crm", key: program.adminKey, body: hook), .created)
            try requireStatus(try await app.send(.delete, "\(program.path)/webhooks/crm", key: program.adminKey), .noContent)
            try await program.addMembers(["ana"])
            try await program.record(EventInput(id: "p1", memberId: "ana", action: "post"))
            try requireStatus(try await RetractionTests.retract(program, "p1"), .ok)

            let page = try await Self.audit(program)
            let listed = page.entries.reversed().map { "\($0.action) \($0.target) by \($0.actor)" }
            #expect(listed == [
                "program.created programs/\(program.id) by operator",
                "key.created keys/\(adminKeyId) by operator",
                "key.created keys/\(ingestKeyId) by \(adminKeyId)",
                "key.created keys/\(try #require(keys.first { $0.role == "read" }?.id)) by \(adminKeyId)",
                "program.updated programs/\(program.id) by \(adminKeyId)",
                "key.created keys/\(spare.id) by \(adminKeyId)",
                "key.revoked keys/\(spare.id) by \(adminKeyId)",
                "rules.replaced rules/1 by \(adminKeyId)",
                "badge.saved badges/first-post by \(adminKeyId)",
                "badge.deleted badges/first-post by \(adminKeyId)",
                "webhook.saved webhooks/crm by \(adminKeyId)",
                "webhook.deleted webhooks/crm by \(adminKeyId)",
                "event.retracted events/p1 by \(ingestKeyId)",
            ])
            #expect(page.nextCursor == nil)
            func entry(_ action: String) throws -> AuditPageDTO.Entry { try #require(page.entries.first { $0.action == action }) }
            #expect(try entry("program.updated").before?["name"] == .string("Test program"))
            #expect(try entry("program.updated").after?["name"] == .string("Renamed"))
            #expect(try entry("key.revoked").before?["revokedAt"] == .null)
            #expect(try entry("key.revoked").after?["revokedAt"] != .null)
            #expect(try entry("rules.replaced").before?["actions"]?["post"]?["points"] == .integer(25))
            #expect(try entry("rules.replaced").after?["actions"]?["post"]?["points"] == .integer(30))
            #expect(try entry("badge.saved").before == nil && entry("badge.deleted").after == nil)
            #expect(try entry("badge.deleted").before?["name"] == .string("First post"))
            #expect(try entry("webhook.saved").after?["url"] == .string("http://127.0.0.1:9/hook"))
            #expect(try entry("event.retracted").after?["retracted"] == .bool(true))

            // Secrets never enter the log.
            let body = text(try await app.send(.get, "\(program.path)/audit?limit=200", key: program.adminKey))
            for secret in ["s3cret-never-logged", program.adminKey, program.ingestKey, program.readKey] { #expect(!body.contains(secret)) }
        }
    }

    @Test func pagesFollowEachOtherNewestFirst() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            for name in ["One", "Two", "Three"] {
                try requireStatus(try await app.send(.patch, program.path, key: program.adminKey, body: #"{"name": "\#(name)"}"#), .ok)
            }
            let all = try await Self.audit(program).entries
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await Self.audit(program, "limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(page.entries.count <= 2)
                seen += page.entries.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == all.map(\.id))
            #expect(all.compactMap { Int64($0.id) } == all.compactMap { Int64($0.id) }.sorted(by: >))
            #expect(all.first?.after?["name"] == .string("Three"))
            try expectError(try await app.send(.get, "\(program.path)/audit?cursor=abc", key: program.adminKey), .unprocessableContent,
                            code: "validation_failed")
            // Empty values count as absent: the first page, 50 entries at most.
            #expect(try await Self.audit(program, "limit=&cursor=").entries.map(\.id) == all.prefix(50).map(\.id))
        }
    }
}
