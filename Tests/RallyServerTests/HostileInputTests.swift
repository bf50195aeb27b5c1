import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Input no client should send, sent anyway: each answer is the contract's error (or the value kept verbatim), never a
/// 500, and the stored data still holds together afterwards (`TestDatabase.inconsistencies`).
@Suite("Hostile input: bodies, numbers, times and ids")
struct HostileInputTests {
    /// A program with two members and a few events, to be left exactly as it was.
    static func seeded(_ app: TestApp) async throws -> TestProgram {
        let program = try await app.createProgram()
        try await program.addMembers(["ana", "ben"])
        try await program.record(EventInput(id: "e1", memberId: "ana", action: "post"))
        try await program.record(EventInput(id: "e2", memberId: "ben", action: "share", network: "linkedin"))
        return program
    }

    /// The program's events and totals, to compare before and after.
    static func state(_ program: TestProgram) async throws -> [String?] {
        try await program.app.database.column("""
            SELECT string_agg(event_id || ':' || points, ',' ORDER BY event_id) FROM events WHERE program_id = $1
            UNION ALL SELECT string_agg(member_id || ':' || points, ',' ORDER BY member_id) FROM member_totals WHERE program_id = $1
            UNION ALL SELECT count(*)::text FROM members WHERE program_id = $1
            """, [program.id])
    }

    @Test func bodiesThatAreNotJSONOrTooBigChangeNothing() async throws {
        try await TestApp.run { app in
            let program = try await Self.seeded(app)
            let before = try await Self.state(program)
            let events = "\(program.path)/events"
            let valid = #"{"id": "x1", "memberId": "ana", "action": "like"}"#
            // Declared as something else than JSON: 415.
            for type in ["text/plain", "application/xml", "multipart/form-data; boundary=x"] {
                try expectError(try await app.send(.post, events, key: program.ingestKey, body: valid, headers: [.contentType: type]),
                                .unsupportedMediaType, code: "unsupported_media_type")
            }
            // Not UTF-8 at all, or not JSON: 400; JSON that is not an object, or a value that is not UTF-8: 422.
            try expectError(try await app.send(.post, events, key: program.ingestKey, bytes: [0xFF, 0xFE, 0x7B, 0x7D]), .badRequest, code: "malformed_json")
            try expectError(try await app.send(.post, events, key: program.ingestKey,
                                               bytes: Array(#"{"id": "x0", "memberId": "ana", "action": "like", "contentId": ""#.utf8) + [0xC3, 0x28, 0x22, 0x7D]),
                            .unprocessableContent, code: "validation_failed", fields: ["contentId"])
            for body in ["", "{", "{\"id\": "] {
                try expectError(try await app.send(.post, events, key: program.ingestKey, body: body), .badRequest, code: "malformed_json")
            }
            for body in ["[1, 2]", "null", "\"event\""] {
                try expectError(try await app.send(.post, events, key: program.ingestKey, body: body), .unprocessableContent, code: "validation_failed")
            }
            // Nested a hundred thousand deep: refused, not a crash.
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            let nested = try await app.send(.post, events, key: program.ingestKey, body: #"{"id": "x3", "memberId": "ana", "action": "like", "tags": \#(deep)}"#)
            #expect([400, 422].contains(nested.status.code))
            #expect(try decode(ErrorDTO.self, from: nested).error.requestId.isEmpty == false)
            // Ten megabytes: 413 before anything is read into memory.
            let huge = #"{"events": [""# + String(repeating: "x", count: 10 * 1024 * 1024) + #""]}"#
            try expectError(try await app.send(.post, "\(events)/batch", key: program.ingestKey, body: huge), .contentTooLarge, code: "payload_too_large")
            #expect(try await Self.state(program) == before)
            #expect(try await program.app.database.inconsistencies(program) == [])
        }
    }

    @Test func numbersTimesAndIdsOutOfRangeAreRefusedByField() async throws {
        try await TestApp.run { app in
            let program = try await Self.seeded(app)
            let before = try await Self.state(program)
            let events = "\(program.path)/events"
            // Times: the policy is the program's window (366 days back, 60 minutes ahead by default).
            for time in ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-02-30T10:00:00Z", "2026-11-20T25:00:00Z",
                         "2026-11-20T10:00:00", "2026-11-20T10:00:00+25:00"] {
                try expectError(try await app.send(.post, events, key: program.ingestKey,
                                                   body: #"{"id": "t1", "memberId": "ana", "action": "like", "occurredAt": "\#(time)"}"#),
                                .unprocessableContent, code: "validation_failed", fields: ["occurredAt"])
            }
            // Numbers beyond what their field holds.
            try expectError(try await app.send(.put, "\(program.path)/members/ana", key: program.ingestKey,
                                               body: #"{"audience": {"linkedin": 1e400}}"#), .unprocessableContent, code: "validation_failed")
            try expectError(try await app.send(.put, "\(program.path)/members/ana", key: program.ingestKey,
                                               body: #"{"audience": {"linkedin": -5}}"#), .unprocessableContent, code: "validation_failed")
            try expectError(try await app.send(.put, "\(program.path)/rules", key: program.adminKey,
                                               body: #"{"actions": {"post": {"points": 99999999999999999999}}}"#), .unprocessableContent, code: "validation_failed")
            try expectError(try await app.send(.put, "\(program.path)/rules", key: program.adminKey,
                                               body: #"{"actions": {"post": {"points": 10}}, "caps": [{"per": "day", "maxCount": -1}]}"#),
                            .unprocessableContent, code: "validation_failed")
            try expectError(try await app.send(.post, "\(program.path)/surveys/responses", key: program.ingestKey,
                                               body: #"{"id": "s1", "kind": "enps", "score": 11}"#), .unprocessableContent, code: "validation_failed",
                            fields: ["score"])
            try expectError(try await app.send(.get, "\(program.path)/leaderboards/members?limit=100000000000000000000", key: program.readKey),
                            .unprocessableContent, code: "validation_failed", fields: ["limit"])
            // Ids no resource can have, in the path: 404; in a body: 422 naming the field.
            for id in [String(repeating: "a", count: 129), "ana%00", "ana%20bob", "%F0%9F%9A%80", "..", "a%2Fb"] {
                let response = try await app.send(.get, "\(program.path)/members/\(id)", key: program.readKey)
                #expect(response.status == .notFound, "\(id): \(response.status)")
            }
            try expectError(try await app.send(.post, events, key: program.ingestKey,
                                               body: #"{"id": "x y", "memberId": "ana", "action": "like", "occurredAt": "\#(Timestamp.rfc3339(Timestamp.now()))"}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["id"])
            #expect(try await Self.state(program) == before)
            #expect(try await program.app.database.inconsistencies(program) == [])
        }
    }

    /// Strings shaped like SQL or Redis commands are data: stored and returned exactly as sent.
    @Test func sqlAndRedisShapedStringsAreKeptVerbatim() async throws {
        try await TestApp.run { app in
            let program = try await Self.seeded(app)
            let name = "Robert'); DROP TABLE members;-- *3 $8 FLUSHALL"
            let team = "' OR '1'='1 {rally}/board:* \\"
            try requireStatus(try await program.putMember("bobby", MemberInput(displayName: name, team: team)), .created)
            let content = "'; DELETE FROM events;-- KEYS *"
            try await program.record(EventInput(id: "sql-1", memberId: "bobby", action: "post", contentId: content, tags: ["EVAL \"return 1\" 0"]))
            let profile = try decode(ProfileDTO.self, from: try await app.send(.get, "\(program.path)/members/bobby", key: program.readKey))
            #expect(profile.displayName == name && profile.team == team)
            let board = try await program.board(period: "all", team: team)
            #expect(board.entries.map(\.displayName) == [name])
            #expect(try await program.app.database.column("SELECT content_id FROM events WHERE program_id = $1 AND event_id = 'sql-1'", [program.id]) == [content])
            #expect(try await program.app.database.column("SELECT count(*)::text FROM events WHERE program_id = $1", [program.id]) == ["3"])
            #expect(try await program.app.database.inconsistencies(program) == [])
        }
    }
}
