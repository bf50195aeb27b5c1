import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

struct TeamBoardDTO: Decodable, Equatable {
    struct Entry: Decodable, Equatable {
        var rank: Int
        var team: String
        var points: Double
        var members: Int
    }

    var period: PeriodDTO
    var metric: String
    var total: Int
    var entries: [Entry]
}

/// `GET …/leaderboards/teams`: teams ranked by their enrolled members' points (hidden members included), in total or per
/// member, per period and region.
@Suite("Leaderboards: team boards")
struct TeamBoardTests {
    typealias Entry = TeamBoardDTO.Entry

    /// `ScopedLeaderboardTests.recordTeams` (Sales: ana 26 Lyon, ben 10 Paris, hidden hid 25 Lyon; R&D & Co: cid 10 Lyon,
    /// anonymous anon 5 Lyon), plus a Sales member who earned 10 and left, and a member of Quiet (Paris) who earned nothing.
    static func recordTeams(_ program: TestProgram) async throws {
        try await ScopedLeaderboardTests.recordTeams(program)
        try requireStatus(try await program.putMember("leaver", MemberInput(displayName: "Leaver", team: "Sales", region: "Lyon")), .created)
        try await program.record(EventInput(id: "e-leaver", memberId: "leaver", action: "share"))
        try requireStatus(try await program.putMember("leaver", MemberInput(displayName: "Leaver", team: "Sales", region: "Lyon", enrolled: false)), .ok)
        try requireStatus(try await program.putMember("quiet", MemberInput(displayName: "Quiet", team: "Quiet", region: "Paris")), .created)
        try requireStatus(try await program.putMember("loner", MemberInput(displayName: "No team", region: "Paris")), .created)
        try await program.record(EventInput(id: "e-loner", memberId: "loner", action: "post"))
    }

    static func teams(_ program: TestProgram, _ query: String = "", sourceLocation: SourceLocation = #_sourceLocation) async throws -> TeamBoardDTO {
        let response = try await program.app.send(.get, "\(program.path)/leaderboards/teams\(query)", key: program.readKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(TeamBoardDTO.self, from: response, sourceLocation: sourceLocation)
    }

    @Test func teamsRankByTheirEnrolledMembersHiddenOnesIncluded() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.recordTeams(program)
            for period in ["day", "week", "month", "quarter", "year", "all", "rolling&days=30"] {
                let total = try await Self.teams(program, "?period=\(period)")
                #expect(total.metric == "total")
                #expect(total.total == 3)
                #expect(total.entries == [Entry(rank: 1, team: "Sales", points: 61, members: 3), Entry(rank: 2, team: "R&D & Co", points: 15, members: 2),
                                          Entry(rank: 3, team: "Quiet", points: 0, members: 1)], "\(period)")
                let perMember = try await Self.teams(program, "?period=\(period)&metric=perMember")
                #expect(perMember.entries == [Entry(rank: 1, team: "Sales", points: 20.33, members: 3),
                                              Entry(rank: 2, team: "R&D & Co", points: 7.5, members: 2),
                                              Entry(rank: 3, team: "Quiet", points: 0, members: 1)], "\(period)")
            }
            // Per member, points are written with two decimals.
            let raw = text(try await app.send(.get, "\(program.path)/leaderboards/teams?metric=perMember", key: program.readKey))
            #expect(raw.contains(#""points":20.33"#) && raw.contains(#""points":7.50"#) && raw.contains(#""points":0.00"#), "\(raw)")
            // A region counts its own members only.
            #expect(try await Self.teams(program, "?region=Lyon").entries
                == [Entry(rank: 1, team: "Sales", points: 51, members: 2), Entry(rank: 2, team: "R&D & Co", points: 15, members: 2)])
            #expect(try await Self.teams(program, "?region=Paris&metric=perMember").entries
                == [Entry(rank: 1, team: "Sales", points: 10, members: 1), Entry(rank: 2, team: "Quiet", points: 0, members: 1)])
            // Pages.
            let second = try await Self.teams(program, "?limit=1&offset=1")
            #expect(second.total == 3 && second.entries == [Entry(rank: 2, team: "R&D & Co", points: 15, members: 2)])
            // A week with no points lists every team at 0, in name order.
            let lastYear = Timestamp.localDate(Timestamp.now().addingTimeInterval(-400 * 86_400), in: TimeZone(identifier: "Europe/Paris")!)
            let quiet = try await Self.teams(program, "?period=week&at=\(lastYear)")
            #expect(quiet.entries == [Entry(rank: 1, team: "Quiet", points: 0, members: 1), Entry(rank: 1, team: "R&D & Co", points: 0, members: 2),
                                      Entry(rank: 1, team: "Sales", points: 0, members: 3)])
        }
    }

    @Test func membersWhoMoveLeaveOrHideChangeTheirTeamsAtOnce() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.recordTeams(program)
            #expect(try await Self.teams(program).entries.first == Entry(rank: 1, team: "Sales", points: 61, members: 3))
            // ben (10) moves to R&D & Co: his points go with him.
            try requireStatus(try await program.putMember("ben", MemberInput(displayName: "Ben", team: "R&D & Co", region: "Lyon")), .ok)
            #expect(try await Self.teams(program, "?metric=perMember").entries
                == [Entry(rank: 1, team: "Sales", points: 25.5, members: 2), Entry(rank: 2, team: "R&D & Co", points: 8.33, members: 3),
                    Entry(rank: 3, team: "Quiet", points: 0, members: 1)])
            // Hiding a member changes nothing on team boards; the leaver coming back brings their points back.
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales", region: "Lyon", visibility: "hidden")), .ok)
            try requireStatus(try await program.putMember("leaver", MemberInput(displayName: "Leaver", team: "Sales", region: "Lyon")), .ok)
            #expect(try await Self.teams(program).entries.first == Entry(rank: 1, team: "Sales", points: 61, members: 3))
            // A new event counts at once.
            try await program.record(EventInput(id: "e-quiet", memberId: "quiet", action: "post"))
            #expect(try await Self.teams(program).entries.map(\.points) == [61, 25, 25])
            #expect(try await Self.teams(program).entries.map(\.team) == ["Sales", "R&D & Co", "Quiet"])
        }
    }

    @Test func invalidQueriesAreNamed() async throws {
        try await TestApp.run { app in
            for (query, field) in [("team=Sales", "team"), ("metric=average", "metric"), ("period=fortnight", "period"), ("limit=0", "limit"),
                                   ("region=%00", "region")] {
                let program = try await app.createProgram()
                let response = try await app.send(.get, "\(program.path)/leaderboards/teams?\(query)", key: program.readKey)
                try expectError(response, .unprocessableContent, code: "validation_failed", fields: [field])
            }
        }
    }
}
