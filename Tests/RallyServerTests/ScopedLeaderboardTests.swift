import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Team and region boards: the same boards as the program's, for the members of one team or region.
@Suite("Leaderboards: team and region scopes")
struct ScopedLeaderboardTests {
    /// Sales: ana (Lyon), ben (Paris), a hidden member; R&D & Co: cid (Lyon), an anonymous member (Lyon).
    static func recordTeams(_ program: TestProgram) async throws {
        try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales", region: "Lyon")), .created)
        try requireStatus(try await program.putMember("ben", MemberInput(displayName: "Ben", team: "Sales", region: "Paris")), .created)
        try requireStatus(try await program.putMember("hid", MemberInput(displayName: "Hid", team: "Sales", region: "Lyon", visibility: "hidden")),
                          .created)
        try requireStatus(try await program.putMember("cid", MemberInput(displayName: "Cid", team: "R&D & Co", region: "Lyon")), .created)
        try requireStatus(try await program.putMember("anon", MemberInput(displayName: "Anon", team: "R&D & Co", region: "Lyon",
                                                                          visibility: "anonymous")), .created)
        // ben reaches 10 before cid; hid's 25 counts nowhere on member boards.
        for (id, member, action) in [("e1", "ana", "post"), ("e2", "ben", "share"), ("e3", "cid", "share"), ("e4", "hid", "post"),
                                     ("e5", "anon", "comment"), ("e6", "ana", "like")] {
            try await program.record(EventInput(id: id, memberId: member, action: action))
        }
    }

    @Test func eachScopeRanksItsOwnMembers() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.recordTeams(program)
            for period in ["day", "week", "month", "quarter", "year", "all"] {
                #expect(try await program.board(period: period).standings
                    == [Standing(1, "ana", 26), Standing(2, "ben", 10), Standing(2, "cid", 10), Standing(4, nil, 5)], "\(period)")
                #expect(try await program.board(period: period, team: "Sales").standings == [Standing(1, "ana", 26), Standing(2, "ben", 10)],
                        "\(period)")
                #expect(try await program.board(period: period, team: "R&D & Co").standings == [Standing(1, "cid", 10), Standing(2, nil, 5)],
                        "\(period)")
                #expect(try await program.board(period: period, region: "Lyon").standings
                    == [Standing(1, "ana", 26), Standing(2, "cid", 10), Standing(3, nil, 5)], "\(period)")
                #expect(try await program.board(period: period, region: "Paris").standings == [Standing(1, "ben", 10)], "\(period)")
            }
            let nobody = try await program.board(team: "Nobody")
            #expect(nobody.total == 0 && nobody.entries.isEmpty)
            // Around a member, within a scope.
            let around = try await app.send(.get, "\(program.path)/leaderboards/members/around/cid?period=week&radius=1&region=Lyon", key: program.readKey)
            try requireStatus(around, .ok)
            #expect(try decode(BoardDTO.self, from: around).standings == [Standing(1, "ana", 26), Standing(2, "cid", 10), Standing(3, nil, 5)])
            try expectError(try await app.send(.get, "\(program.path)/leaderboards/members/around/ben?region=Lyon", key: program.readKey),
                            .notFound, code: "not_found")
        }
    }

    @Test func aMemberWhoChangesTeamMovesBoardsAtOnce() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.recordTeams(program)
            try requireStatus(try await program.putMember("ben", MemberInput(displayName: "Ben", team: "R&D & Co", region: "Lyon")), .ok)
            #expect(try await program.board(team: "Sales").standings == [Standing(1, "ana", 26)])
            // Joining a board is reaching its totals now: among equals, ben comes after cid.
            #expect(try await program.board(team: "R&D & Co").standings == [Standing(1, "cid", 10), Standing(1, "ben", 10), Standing(3, nil, 5)])
            #expect(try await program.board(region: "Paris").total == 0)
            #expect(try await program.board(limit: 100, region: "Lyon").standings.map(\.memberId) == ["ana", "cid", "ben", nil])
            // Points earned after the move count on the new team's boards only.
            try await program.record(EventInput(id: "e7", memberId: "ben", action: "post"))
            #expect(try await program.board(team: "R&D & Co").standings.first == Standing(1, "ben", 35))
            #expect(try await program.board(team: "Sales").standings == [Standing(1, "ana", 26)])
            // Leaving a team: on no team board, still on the program's and the region's.
            try requireStatus(try await program.putMember("ben", MemberInput(displayName: "Ben", region: "Lyon")), .ok)
            #expect(try await program.board(team: "R&D & Co").standings == [Standing(1, "cid", 10), Standing(2, nil, 5)])
            #expect(try await program.board(region: "Lyon").standings.first == Standing(1, "ben", 35))
        }
    }

    @Test func scopedBoardsAreRebuiltExactly() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.recordTeams(program)
            let scopes: [(String?, String?)] = [("Sales", nil), ("R&D & Co", nil), (nil, "Lyon"), (nil, "Paris")]
            var before: [BoardDTO] = []
            for (team, region) in scopes { before.append(try await program.board(period: "week", limit: 100, team: team, region: region)) }
            try await RedisNamespace.delete(app.namespace, redisURL: app.redisURL)
            _ = try await program.boardWhenReady(period: "week")
            for ((team, region), board) in zip(scopes, before) {
                #expect(try await program.board(period: "week", limit: 100, team: team, region: region) == board, "\(team ?? region ?? "")")
            }
        }
    }

    @Test func invalidScopesAreNamed() async throws {
        try await TestApp.run { app in
            for query in ["team=Sales&region=Lyon", "team=a%00b", "region=%0A", "team=%EF%BF%BD"] {
                let program = try await app.createProgram()
                let response = try await app.send(.get, "\(program.path)/leaderboards/members?\(query)", key: program.readKey)
                let field = query.hasPrefix("team=Sales") ? "region" : String(query.prefix { $0 != "=" })
                try expectError(response, .unprocessableContent, code: "validation_failed", fields: [field])
            }
        }
    }
}
