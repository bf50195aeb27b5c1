import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `period=rolling&days=N` and `from`/`to`: boards of whole local days, summed from the day boards.
@Suite("Leaderboards: rolling windows and date ranges")
struct WindowBoardTests {
    /// In Paris: ana on 30 Oct (outside the window below), 31 Oct and 2 Nov; ben on 1 Nov and 3 Nov (outside);
    /// cid on 31 Oct at 23:30 UTC, which is already 1 Nov in Paris.
    static func recordAcrossAMonthEnd(_ program: TestProgram) async throws {
        try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales")), .created)
        try requireStatus(try await program.putMember("ben", MemberInput(displayName: "Ben", team: "Sales")), .created)
        try requireStatus(try await program.putMember("cid", MemberInput(displayName: "Cid", team: "Ops")), .created)
        for (id, member, action, at) in [("a0", "ana", "post", "2026-10-30T12:00:00+01:00"), ("a1", "ana", "share", "2026-10-31T12:00:00+01:00"),
                                         ("a2", "ana", "like", "2026-11-02T12:00:00+01:00"), ("b1", "ben", "share", "2026-11-01T12:00:00+01:00"),
                                         ("b2", "ben", "post", "2026-11-03T12:00:00+01:00"), ("c1", "cid", "comment", "2026-10-31T23:30:00Z")] {
            try await program.record(EventInput(id: id, memberId: member, action: action, occurredAt: at))
        }
    }

    static func board(_ program: TestProgram, _ query: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> BoardDTO {
        let response = try await program.app.send(.get, "\(program.path)/leaderboards/members?\(query)", key: program.readKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(BoardDTO.self, from: response, sourceLocation: sourceLocation)
    }

    @Test func aRollingWindowSumsItsDaysAcrossAMonthEnd() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "Europe/Paris", backfillDays: 3660)
            try await Self.recordAcrossAMonthEnd(program)
            // 31 Oct, 1 Nov and 2 Nov: ana 10 + 1, ben 10, cid 5.
            let rolling = try await Self.board(program, "period=rolling&days=3&at=2026-11-02")
            #expect(rolling.period == PeriodDTO(kind: "rolling", key: "2026-10-31..2026-11-02", start: "2026-10-31T00:00:00+01:00",
                                               end: "2026-11-03T00:00:00+01:00"))
            #expect(rolling.standings == [Standing(1, "ana", 11), Standing(2, "ben", 10), Standing(3, "cid", 5)])
            #expect(rolling.total == 3)
            // The same days as a range; one day; the team's members only.
            let range = try await Self.board(program, "from=2026-10-31&to=2026-11-02")
            #expect(range.period.kind == "range" && range.period.key == "2026-10-31..2026-11-02")
            #expect(range.standings == rolling.standings)
            #expect(try await Self.board(program, "from=2026-11-01&to=2026-11-01").standings == [Standing(1, "ben", 10), Standing(2, "cid", 5)])
            #expect(try await Self.board(program, "period=rolling&days=3&at=2026-11-02&team=Sales").standings
                == [Standing(1, "ana", 11), Standing(2, "ben", 10)])
            // A window as long as the program's history holds everyone's whole total.
            #expect(try await Self.board(program, "period=rolling&days=366&at=2026-11-03").standings
                == [Standing(1, "ana", 36), Standing(2, "ben", 35), Standing(3, "cid", 5)])
            // Pages and around a member.
            let second = try await Self.board(program, "period=rolling&days=3&at=2026-11-02&limit=1&offset=1")
            #expect(second.standings == [Standing(2, "ben", 10)] && second.total == 3)
            let around = try await app.send(.get, "\(program.path)/leaderboards/members/around/cid?period=rolling&days=3&at=2026-11-02&radius=1",
                                            key: program.readKey)
            try requireStatus(around, .ok)
            #expect(try decode(BoardDTO.self, from: around).standings == [Standing(2, "ben", 10), Standing(3, "cid", 5)])
        }
    }

    @Test func equalPointsShareARankOrderedByMemberId() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["zed", "amy", "kim"])
            for (id, member) in [("e1", "zed"), ("e2", "amy"), ("e3", "kim")] {
                try await program.record(EventInput(id: id, memberId: member, action: "share"))
            }
            let board = try await Self.board(program, "period=rolling&days=7")
            #expect(board.standings == [Standing(1, "amy", 10), Standing(1, "kim", 10), Standing(1, "zed", 10)])
            #expect(try await Self.board(program, "period=rolling&days=7") == board, "stable from one read to the next")
            // A new event shows at once.
            try await program.record(EventInput(id: "e4", memberId: "zed", action: "like"))
            #expect(try await Self.board(program, "period=rolling&days=7").standings.first == Standing(1, "zed", 11))
        }
    }

    @Test(arguments: [("period=rolling", "days"), ("period=rolling&days=0", "days"), ("period=rolling&days=367", "days"),
                      ("period=week&days=7", "days"), ("from=2026-11-01", "to"), ("to=2026-11-01", "from"),
                      ("from=2026-11-02&to=2026-11-01", "to"), ("from=2025-11-01&to=2026-11-02", "to"),
                      ("from=2026-11-01&to=2026-11-02&period=week", "period"), ("from=2026-02-30&to=2026-03-01", "from")])
    func invalidWindowsAreNamed(_ query: String, _ field: String) async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await app.send(.get, "\(program.path)/leaderboards/members?\(query)", key: program.readKey)
            try expectError(response, .unprocessableContent, code: "validation_failed", fields: [field])
        }
    }
}
