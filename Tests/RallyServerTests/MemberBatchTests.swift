import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `POST …/members/batch` and who stands on the boards: HR directories sync many employees at once; a member who leaves
/// the program (or is hidden) leaves every board at once, and comes back with their totals.
@Suite("Members: batches and enrolment")
struct MemberBatchTests {
    struct OutcomeDTO: Decodable, Equatable {
        var memberId: String?
        var outcome: String?
        var error: ErrorDTO.Body?
    }

    struct ResultsDTO: Decodable {
        var results: [OutcomeDTO]
    }

    static func sync(_ program: TestProgram, _ items: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [OutcomeDTO] {
        let response = try await program.app.send(.post, "\(program.path)/members/batch", key: program.ingestKey,
                                                  body: #"{"members": [\#(items.joined(separator: ","))]}"#)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(ResultsDTO.self, from: response, sourceLocation: sourceLocation).results
    }

    @Test func aBatchCreatesUpdatesAndLeavesUnchangedEachMember() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let first = try await Self.sync(program, [
                #"{"memberId": "ana", "displayName": "Ana", "team": "Sales", "region": "Lyon", "audience": {"linkedin": 300}}"#,
                #"{"memberId": "ben", "displayName": "Ben", "team": "R&D"}"#,
            ])
            #expect(first.map(\.outcome) == ["created", "created"])
            #expect(first.map(\.memberId) == ["ana", "ben"])
            let second = try await Self.sync(program, [
                #"{"memberId": "ana", "displayName": "Ana", "team": "Sales", "region": "Lyon", "audience": {"linkedin": 300}}"#,
                #"{"memberId": "ben", "displayName": "Ben", "team": "Ops"}"#,
                #"{"memberId": "cid", "displayName": "Cid", "visibility": "anonymous"}"#,
            ])
            #expect(second.map(\.outcome) == ["unchanged", "updated", "created"])
            let ben = try await program.profile("ben")
            #expect((ben.displayName, ben.team, ben.region, ben.enrolled, ben.visibility) == ("Ben", "Ops", nil, true, "public"))
            let ana = try await program.profile("ana")
            #expect((ana.team, ana.region, ana.audience) == ("Sales", "Lyon", ["linkedin": 300]))
            #expect(try await program.profile("cid").visibility == "anonymous")
            // A PUT of the same profile is an update that changes nothing.
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales", region: "Lyon", audience: ["linkedin": 300])),
                              .ok)
        }
    }

    @Test func aBadItemFailsAloneWithItsFieldNamed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let results = try await Self.sync(program, [
                #"{"memberId": "ana", "displayName": "Ana"}"#,
                #"{"displayName": "Nobody"}"#,
                #"{"memberId": "bad id", "displayName": "X"}"#,
                #"{"memberId": "ben", "team": 7, "enrolled": "yes"}"#,
                #"{"memberId": "ana", "displayName": "Ana again"}"#,
                #"{"memberId": "cid", "visibility": "secret", "audience": {"x": -1}}"#,
                #""not an object""#,
                #"{"memberId": "dee", "displayName": "Dee\u0000"}"#,
                #"{"memberId": "eve", "displayName": "Eve 🚀"}"#,
            ])
            #expect(results.map(\.outcome) == ["created", nil, nil, nil, nil, nil, nil, nil, "created"])
            #expect(results.map(\.memberId) == ["ana", nil, "bad id", "ben", "ana", "cid", nil, "dee", "eve"])
            #expect(results.map { $0.error?.details.map(\.field) } == [
                nil, ["members[1].memberId"], ["members[2].memberId"], ["members[3].team", "members[3].enrolled"],
                ["members[4].memberId"], ["members[5].visibility", "members[5].audience.x"], ["members[6]"], ["members[7].displayName"], nil,
            ])
            #expect(results.compactMap(\.error).allSatisfy { $0.code == "validation_failed" && !$0.requestId.isEmpty })
            #expect(try await program.profile("ana").displayName == "Ana")
            #expect(try await program.profile("eve").displayName == "Eve 🚀")
            for missing in ["ben", "cid", "dee"] {
                try expectError(try await app.send(.get, "\(program.path)/members/\(missing)", key: program.readKey), .notFound, code: "not_found")
            }
        }
    }

    @Test func batchSizeAndRolesAreEnforced() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let path = "\(program.path)/members/batch"
            try expectError(try await app.send(.post, path, key: program.ingestKey, body: #"{"members": []}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["members"])
            let tooMany = (0...1000).map { #"{"memberId": "m\#($0)"}"# }.joined(separator: ",")
            try expectError(try await app.send(.post, path, key: program.ingestKey, body: #"{"members": [\#(tooMany)]}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["members"])
            try expectError(try await app.send(.post, path, key: program.readKey, body: #"{"members": [{"memberId": "a"}]}"#),
                            .forbidden, code: "forbidden")
            try expectError(try await app.send(.post, path, key: program.ingestKey, body: #"{"members": 5}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["members"])
            // A thousand at once is fine.
            let thousand = (0..<1000).map { #"{"memberId": "m\#($0)", "team": "T\#($0 % 7)"}"# }.joined(separator: ",")
            let results = try await Self.sync(program, [thousand])
            #expect(results.count == 1000 && results.allSatisfy { $0.outcome == "created" })
        }
    }

    @Test func membersWhoLeaveTheProgramLeaveEveryBoardAndComeBackWithTheirPoints() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben", "cid"])
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "post"))
            try await program.record(EventInput(id: "e2", memberId: "ben", action: "share"))
            try await program.record(EventInput(id: "e3", memberId: "cid", action: "comment"))
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 25), Standing(2, "ben", 10), Standing(3, "cid", 5)])

            // Ana leaves (through a batch), Ben is hidden: the others' ranks close up on every board.
            let left = try await Self.sync(program, [#"{"memberId": "ana", "displayName": "ANA", "enrolled": false}"#,
                                                    #"{"memberId": "ben", "displayName": "BEN", "visibility": "hidden"}"#])
            #expect(left.map(\.outcome) == ["updated", "updated"])
            for period in ["day", "week", "month", "all"] {
                let board = try await program.board(period: period)
                #expect(board.standings == [Standing(1, "cid", 5)], "\(period)")
                #expect(board.total == 1, "\(period)")
            }
            let ana = try await program.profile("ana")
            #expect(ana.enrolled == false)
            #expect(ana.points.lifetime == 25, "her points stay recorded")
            #expect(ana.ranks == RanksDTO(week: nil, month: nil, all: nil))
            #expect(try await program.profile("cid").ranks == RanksDTO(week: 1, month: 1, all: 1))
            try expectError(try await app.send(.get, "\(program.path)/leaderboards/members/around/ana", key: program.readKey),
                            .notFound, code: "not_found")

            // While out, her events earn nothing and put her on no board.
            let out = try await program.record(EventInput(id: "e4", memberId: "ana", action: "post"))
            #expect((out.status, out.points) == ("not_enrolled", 0))
            #expect(out.member.ranks == RanksDTO(week: nil, month: nil, all: nil))
            #expect(try await program.board(period: "all").total == 1)

            // Back in: on every board with the points she had.
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "ANA")), .ok)
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 25), Standing(2, "cid", 5)])
            #expect(try await program.board(period: "week").standings == [Standing(1, "ana", 25), Standing(2, "cid", 5)])
            #expect(try await program.profile("ana").ranks == RanksDTO(week: 1, month: 1, all: 1))
        }
    }

    @Test func aRebuildLeavesOutMembersWhoLeft() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "post"))
            try await program.record(EventInput(id: "e2", memberId: "ben", action: "share"))
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "ANA", enrolled: false)), .ok)
            try await RedisNamespace.delete(app.namespace, redisURL: app.redisURL)
            let rebuilt = try await program.boardWhenReady(period: "all")
            #expect(rebuilt.standings == [Standing(1, "ben", 10)])
        }
    }
}
