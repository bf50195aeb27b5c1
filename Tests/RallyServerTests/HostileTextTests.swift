import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Strings that PostgreSQL, C strings or JSON decoders choke on, in every string field of every endpoint: each is a 4xx with
/// the contract's error shape, or stored and returned exactly as sent; never a 500, and nothing else changes.
@Suite("Hostile text in every string field")
struct HostileTextTests {
    /// JSON string literals, as sent on the wire.
    static let refused = readable + unreadable
    /// Text the JSON decoder reads, which Rally's text rule refuses.
    static let readable = [
        #""a\u0000b""#,      // NUL: PostgreSQL text cannot hold it, jsonb refuses its escape
        #""bell\u0007""#,    // C0 control
        #""\u001b[2J""#,     // terminal escape
        #""next\u0085line""#, // C1 control
        #""\ufffd""#,        // the replacement character
    ]
    /// Text the JSON decoder cannot read at all: the value's field is named, as a whole.
    static let unreadable = [
        #""\ud800""#,        // a lone high surrogate
        #""x\udc00y""#,      // a lone low surrogate
        "\"tab\u{9}raw\"",   // an unescaped control character
    ]
    /// 4-byte UTF-8, raw and as an escaped surrogate pair: both are 🚀 or other astral characters, to be kept verbatim.
    static let astral = [("\"🚀 𝔘𝔫𝔦\"", "🚀 𝔘𝔫𝔦"), (#""\ud83d\ude80""#, "🚀")]

    /// Expects a 4xx with the contract's error shape (never a 500) and returns its code.
    @discardableResult
    static func expectRefused(_ response: TestResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        #expect((400..<500).contains(Int(response.status.code)), "\(what): \(response.status.code) \(text(response))", sourceLocation: sourceLocation)
        let error = try decode(ErrorDTO.self, from: response, sourceLocation: sourceLocation).error
        #expect(!error.requestId.isEmpty && !error.message.isEmpty, sourceLocation: sourceLocation)
        #expect(response.headers[.requestId] == error.requestId, sourceLocation: sourceLocation)
        return error.code
    }

    @Test func programsAndKeys() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            for value in Self.refused {
                for body in [#"{"id": \#(value), "name": "P", "timezone": "UTC"}"#, #"{"id": "ok-1", "name": \#(value), "timezone": "UTC"}"#,
                             #"{"id": "ok-2", "name": "P", "timezone": \#(value)}"#] {
                    try Self.expectRefused(try await app.send(.post, "/v1/programs", key: app.operatorToken, body: body), body)
                }
                for body in [#"{"role": "read", "label": \#(value)}"#, #"{"role": \#(value)}"#] {
                    try Self.expectRefused(try await app.send(.post, "\(program.path)/keys", key: program.adminKey, body: body), body)
                }
                for body in [#"{"name": \#(value)}"#, #"{"timezone": \#(value)}"#] {
                    try Self.expectRefused(try await app.send(.patch, program.path, key: program.adminKey, body: body), body)
                }
            }
            for (literal, value) in Self.astral {
                let id = TestIds.program()
                let created = try await app.send(.post, "/v1/programs", key: app.operatorToken,
                                                 body: #"{"id": "\#(id)", "name": \#(literal), "timezone": "UTC"}"#)
                try requireStatus(created, .created)
                let adminKey = try #require(try decode(ProgramDTO.self, from: created).adminKey)
                #expect(try decode(ProgramDTO.self, from: try await app.send(.get, "/v1/programs/\(id)", key: adminKey)).name == value)
                try requireStatus(try await app.send(.post, "/v1/programs/\(id)/keys", key: adminKey, body: #"{"role": "read", "label": \#(literal)}"#),
                                  .created)
                let keys = try decode(KeyListDTO.self, from: try await app.send(.get, "/v1/programs/\(id)/keys", key: adminKey)).keys
                #expect(keys.map(\.label).contains(value))
                try Self.expectRefused(try await app.send(.post, "/v1/programs", key: app.operatorToken,
                                                          body: #"{"id": \#(literal), "name": "P", "timezone": "UTC"}"#), "astral id")
            }
            // Nothing changed in the program the hostile requests aimed at.
            let shown = try decode(ProgramDTO.self, from: try await app.send(.get, program.path, key: program.readKey))
            #expect(shown.name == "Test program" && shown.timezone == "Europe/Paris")
            let keys = try decode(KeyListDTO.self, from: try await app.send(.get, "\(program.path)/keys", key: program.adminKey)).keys
            #expect(keys.count == 3)
        }
    }

    @Test func members() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales", region: "Lyon")), .created)
            let before = try await program.profile("ana")
            for value in Self.refused {
                for body in [#"{"displayName": \#(value)}"#, #"{"team": \#(value)}"#, #"{"region": \#(value)}"#,
                             #"{"visibility": \#(value)}"#, #"{"audience": {\#(value): 3}}"#] {
                    try Self.expectRefused(try await app.send(.put, "\(program.path)/members/ana", key: program.ingestKey, body: body), body)
                }
            }
            for path in ["a%00b", "a%0Ab", "%F0%9F%9A%80", "a%FFb", "a%C0%80"] {
                try Self.expectRefused(try await app.send(.put, "\(program.path)/members/\(path)", key: program.ingestKey,
                                                          body: #"{"displayName": "X"}"#), path)
                try Self.expectRefused(try await app.send(.get, "\(program.path)/members/\(path)", key: program.readKey), path)
                try Self.expectRefused(try await app.send(.get, "\(program.path)/members/\(path)/ledger", key: program.readKey), path)
                try Self.expectRefused(try await app.send(.get, "\(program.path)/leaderboards/members/around/\(path)", key: program.readKey), path)
            }
            #expect(try await program.profile("ana") == before)
            for (index, (literal, value)) in Self.astral.enumerated() {
                let body = #"{"displayName": \#(literal), "team": \#(literal), "region": \#(literal)}"#
                try requireStatus(try await app.send(.put, "\(program.path)/members/ben-\(index)", key: program.ingestKey, body: body), .created)
                let ben = try await program.profile("ben-\(index)")
                #expect([ben.displayName, ben.team, ben.region] == [value, value, value])
            }
        }
    }

    @Test func eventsAndBatches() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let now = Timestamp.rfc3339(Timestamp.now())
            func event(_ field: String, _ literal: String) -> String {
                var fields = [("id", #""e-1""#), ("memberId", #""ana""#), ("action", #""share""#), ("network", #""linkedin""#),
                              ("contentId", #""post-9""#), ("occurredAt", "\"\(now)\""), ("tags", #"["launch"]"#)]
                if let index = fields.firstIndex(where: { $0.0 == field }) {
                    fields[index].1 = literal
                } else {
                    fields.append((field, literal))
                }
                return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
            }
            let fields = ["id", "memberId", "action", "network", "contentId", "occurredAt"]
            for value in Self.refused {
                for (field, body) in fields.map({ ($0, event($0, value)) }) + [("tags[0]", event("tags", "[\(value)]"))] {
                    let single = try await app.send(.post, "\(program.path)/events", key: program.ingestKey, body: body)
                    let code = try Self.expectRefused(single, body)
                    // A tag the decoder cannot read at all is named by the field that holds it.
                    let named = field == "tags[0]" && Self.unreadable.contains(value) ? "tags" : field
                    #expect(code == "validation_failed", "\(body)")
                    #expect(try decode(ErrorDTO.self, from: single).error.details.map(\.field) == [named], "\(body) → \(text(single))")
                    // In a batch, the same event fails alone, its field named inside the batch.
                    let batch = try await app.send(.post, "\(program.path)/events/batch", key: program.ingestKey,
                                                   body: #"{"events": [\#(body)]}"#)
                    try requireStatus(batch, .ok)
                    let error = try #require(try decode(BatchDTO.self, from: batch).results.first?.error, "\(body)")
                    #expect(error.details.map(\.field) == ["events[0].\(named)"], "\(body)")
                }
            }
            #expect(try await program.fullLedger("ana").isEmpty, "no hostile event was recorded")

            for (index, (literal, _)) in Self.astral.enumerated() {
                for (field, body) in [("contentId", event("contentId", literal)), ("tags", event("tags", "[\(literal)]"))] {
                    let id = "astral-\(index)-\(field)"
                    let sent = body.replacingOccurrences(of: #""id": "e-1""#, with: #""id": "\#(id)""#)
                    try requireStatus(try await app.send(.post, "\(program.path)/events", key: program.ingestKey, body: sent), .created)
                    // Stored verbatim: the same payload again is a duplicate, not a conflict.
                    let again = try await app.send(.post, "\(program.path)/events", key: program.ingestKey, body: sent)
                    try requireStatus(again, .ok)
                    #expect(try decode(EventResultDTO.self, from: again).outcome == "duplicate")
                }
                try Self.expectRefused(try await app.send(.post, "\(program.path)/events", key: program.ingestKey, body: event("id", literal)), "astral id")
            }
            #expect(try await program.fullLedger("ana").count == 4)
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 40)])
        }
    }

    @Test func queryParameters() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            for value in ["a%00b", "%0A", "%F0%9F%9A%80", "%FF", "%C0%80", "-1", "1e400"] {
                for query in ["period=\(value)", "at=\(value)", "limit=\(value)", "offset=\(value)"] {
                    try Self.expectRefused(try await app.send(.get, "\(program.path)/leaderboards/members?\(query)", key: program.readKey), query)
                }
                try Self.expectRefused(try await app.send(.get, "\(program.path)/members/ana/ledger?cursor=\(value)", key: program.readKey), value)
            }
            try Self.expectRefused(try await app.send(.get, "/v1/programs/a%00b", key: app.operatorToken), "program id with NUL")
            try Self.expectRefused(try await app.send(.delete, "\(program.path)/keys/a%00b", key: program.adminKey), "key id with NUL")
        }
    }
}
