import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Members: profiles and ledgers")
struct MemberTests {
    static let ana = MemberInput(displayName: "Ana", team: "Sales", region: "Lyon", enrolled: true,
                                 audience: ["linkedin": 300, "x": 120], visibility: "public")

    @Test func putCreatesThenUpdatesAMember() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let created = try await program.putMember("ana", Self.ana)
            try requireStatus(created, .created)
            let expected = ProfileDTO(memberId: "ana", displayName: "Ana", team: "Sales", region: "Lyon", enrolled: true, visibility: "public",
                                      audience: ["linkedin": 300, "x": 120], points: PointsDTO(lifetime: 0, week: 0, month: 0, balance: 0), badges: [], streaks: [],
                                      ranks: RanksDTO(week: nil, month: nil, all: nil))
            #expect(try decode(ProfileDTO.self, from: created) == expected)

            var changed = Self.ana
            changed.team = "Marketing"
            changed.audience = ["linkedin": 310]
            changed.visibility = "anonymous"
            let updated = try await program.putMember("ana", changed)
            try requireStatus(updated, .ok)
            var expectedUpdate = expected
            expectedUpdate.team = "Marketing"
            expectedUpdate.audience = ["linkedin": 310]
            expectedUpdate.visibility = "anonymous"
            #expect(try decode(ProfileDTO.self, from: updated) == expectedUpdate)
            #expect(try await program.profile("ana") == expectedUpdate)
        }
    }

    @Test func emptyProfileTakesTheDefaults() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await program.putMember("u42", MemberInput())
            try requireStatus(response, .created)
            #expect(try decode(ProfileDTO.self, from: response) == ProfileDTO(
                memberId: "u42", displayName: nil, team: nil, region: nil, enrolled: true, visibility: "public", audience: [:],
                points: PointsDTO(lifetime: 0, week: 0, month: 0, balance: 0), badges: [], streaks: [], ranks: RanksDTO(week: nil, month: nil, all: nil)))
            // Unset profile fields are left out (as the OpenAPI document says); ranks are explicit nulls.
            let object = try jsonObject(response)
            #expect(object["displayName"] == nil)
            #expect(object["team"] == nil)
            #expect(object["region"] == nil)
            #expect((object["ranks"] as? [String: Any])?["week"] is NSNull)
        }
    }

    @Test func profileShowsPointsAndRanksAfterEvents() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try requireStatus(try await program.putMember("ana", Self.ana), .created)
            try await program.addMembers(["ben"])
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "post"))
            try await program.record(EventInput(id: "e2", memberId: "ana", action: "share"))
            try await program.record(EventInput(id: "e3", memberId: "ben", action: "comment"))

            #expect(try await program.profile("ana") == ProfileDTO(
                memberId: "ana", displayName: "Ana", team: "Sales", region: "Lyon", enrolled: true, visibility: "public",
                audience: ["linkedin": 300, "x": 120], points: PointsDTO(lifetime: 35, week: 35, month: 35, balance: 35), badges: [], streaks: [],
                ranks: RanksDTO(week: 1, month: 1, all: 1)))
            let ben = try await program.profile("ben")
            #expect(ben.points == PointsDTO(lifetime: 5, week: 5, month: 5, balance: 5))
            #expect(ben.ranks == RanksDTO(week: 2, month: 2, all: 2))
        }
    }

    /// `batch` is a valid member id although `POST …/members/batch` is the batch endpoint: every other method on that path
    /// acts on the member.
    @Test func aMemberWhoseIdIsBatchIsLikeAnyOther() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try requireStatus(try await program.putMember("batch", MemberInput(displayName: "Batch", team: "Sales")), .created)
            try requireStatus(try await program.putMember("batch", MemberInput(displayName: "Bat")), .ok)
            #expect(try await program.profile("batch").displayName == "Bat")
            try await program.record(EventInput(id: "e1", memberId: "batch", action: "post"))
            #expect(try await program.board(period: "all").standings == [Standing(1, "batch", 25)])
            let ledger = try jsonObject(try await app.send(.get, "\(program.path)/members/batch/ledger", key: program.readKey))
            #expect((ledger["entries"] as? [[String: Any]])?.map { $0["eventId"] as? String } == ["e1"])
            // The batch endpoint is still the batch endpoint.
            let batch = try await app.send(.post, "\(program.path)/members/batch", key: program.ingestKey,
                                           body: #"{"members": [{"memberId": "ana", "displayName": "Ana"}]}"#)
            try requireStatus(batch, .ok)
            #expect(try await program.profile("ana").displayName == "Ana")
            let patch = try await app.send(.patch, "\(program.path)/members/batch", key: program.adminKey)
            try expectError(patch, .methodNotAllowed, code: "method_not_allowed")
            #expect(patch.headers[.allow] == "DELETE, GET, POST, PUT")
            try requireStatus(try await app.send(.delete, "\(program.path)/members/batch", key: program.adminKey), .noContent)
            try expectError(try await app.send(.get, "\(program.path)/members/batch", key: program.readKey), .notFound, code: "not_found")
        }
    }

    @Test func getUnknownMemberIs404() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try expectError(try await app.send(.get, "\(program.path)/members/nobody", key: program.readKey), .notFound, code: "not_found")
            try expectError(try await app.send(.get, "\(program.path)/members/nobody/ledger", key: program.readKey), .notFound, code: "not_found")
        }
    }

    @Test func negativeAudienceIsNamed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await program.putMember("ana", MemberInput(displayName: "Ana", audience: ["linkedin": -1, "x": 5]))
            try expectError(response, .unprocessableContent, code: "validation_failed", fields: ["audience.linkedin"])
            try expectError(try await app.send(.get, "\(program.path)/members/ana", key: program.readKey), .notFound, code: "not_found")
        }
    }

    @Test func unknownVisibilityIsNamed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await program.putMember("ana", MemberInput(displayName: "Ana", visibility: "secret"))
            try expectError(response, .unprocessableContent, code: "validation_failed", fields: ["visibility"])
            try expectError(try await app.send(.get, "\(program.path)/members/ana", key: program.readKey), .notFound, code: "not_found")
        }
    }

    @Test func otherInvalidProfilesAreNamed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try expectError(try await program.putMember("ana", MemberInput(displayName: "")),
                            .unprocessableContent, code: "validation_failed", fields: ["displayName"])
            try expectError(try await program.putMember("ana", MemberInput(team: String(repeating: "t", count: 201))),
                            .unprocessableContent, code: "validation_failed", fields: ["team"])
            try expectError(try await program.putMember("bad!id", MemberInput()), .unprocessableContent, code: "validation_failed", fields: ["memberId"])
            try expectError(try await app.send(.put, "\(program.path)/members/ana", key: program.ingestKey, body: #"{"enrolled": "yes"}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["enrolled"])
            try expectError(try await app.send(.put, "\(program.path)/members/ana", key: program.ingestKey, body: #"{"audience": {"linkedin": "many"}}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["audience.linkedin"])
            try expectError(try await app.send(.put, "\(program.path)/members/ana", key: program.ingestKey, body: #"{"displayName": "Ana""#),
                            .badRequest, code: "malformed_json")
        }
    }

    @Test func ledgerIsNewestFirstWithCursorPagination() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let start = Timestamp.now().addingTimeInterval(-600)
            let plan: [(id: String, action: String)] = [("e1", "post"), ("e2", "share"), ("e3", "comment"), ("e4", "like"), ("e5", "post")]
            for (index, event) in plan.enumerated() {
                let occurred = start.addingTimeInterval(Double(index * 60))
                try await program.record(EventInput(id: event.id, memberId: "ana", action: event.action, occurredAt: Timestamp.rfc3339(occurred)))
            }

            let first = try await program.ledgerPage("ana", limit: 2)
            #expect(first.entries.map(\.eventId) == ["e5", "e4"])
            #expect(first.entries.map(\.points) == [25, 1])
            let cursor1 = try #require(first.nextCursor)
            let second = try await program.ledgerPage("ana", limit: 2, cursor: cursor1)
            #expect(second.entries.map(\.eventId) == ["e3", "e2"])
            #expect(second.entries.map(\.points) == [5, 10])
            let cursor2 = try #require(second.nextCursor)
            let lastResponse = try await app.send(.get, "\(program.path)/members/ana/ledger?limit=2&cursor=\(cursor2)", key: program.readKey)
            try requireStatus(lastResponse, .ok)
            #expect(try jsonObject(lastResponse)["nextCursor"] is NSNull, "the last page says so with an explicit null")
            let last = try decode(LedgerDTO.self, from: lastResponse)
            #expect(last.entries.map(\.eventId) == ["e1"])
            #expect(last.nextCursor == nil)

            let all = first.entries + second.entries + last.entries
            #expect(all.map(\.action) == ["post", "like", "comment", "share", "post"])
            #expect(all.allSatisfy { $0.reason == "award" })
            #expect(Set(all.map(\.id)).count == 5)
            #expect(all.map(\.points).reduce(0, +) == 66)
            for (entry, index) in zip(all, [4, 3, 2, 1, 0]) {
                #expect(Timestamp.parse(entry.occurredAt) == start.addingTimeInterval(Double(index * 60)), "\(entry)")
                #expect(Timestamp.parse(entry.recordedAt) != nil, "\(entry)")
            }

            // One page of everything (the default limit) is the same list.
            let everything = try await program.ledgerPage("ana")
            #expect(everything.entries == all)
            #expect(everything.nextCursor == nil)
        }
    }

    @Test func ledgerOfAMemberWithoutPointsIsEmpty() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let response = try await app.send(.get, "\(program.path)/members/ana/ledger", key: program.readKey)
            try requireStatus(response, .ok)
            #expect(try decode(LedgerDTO.self, from: response) == LedgerDTO(entries: [], nextCursor: nil))
        }
    }

    @Test func invalidLedgerQueryIsNamed() async throws {
        try await TestApp.run { app in
            for query in ["limit=0", "limit=201", "limit=ten", "limit=-1", "cursor=abc", "cursor=-1"] {
                let program = try await app.createProgram()
                try await program.addMembers(["ana"])
                let response = try await app.send(.get, "\(program.path)/members/ana/ledger?\(query)", key: program.readKey)
                let field = String(query.prefix { $0 != "=" })
                try expectError(response, .unprocessableContent, code: "validation_failed", fields: [field])
            }
        }
    }
}
