import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Redis holds only a projection: when it loses it, Rally rebuilds it from PostgreSQL.
@Suite("Leaderboards survive Redis losing them")
struct ProjectionRecoveryTests {
    static let periods = ["day", "week", "month", "quarter", "year", "all"]

    /// Ties, a hidden and an anonymous member, and an event of a past month.
    static func recordMixedStandings(_ program: TestProgram) async throws {
        try await LeaderboardTests.recordTies(program)
        try requireStatus(try await program.putMember("hid", MemberInput(displayName: "Hidden", visibility: "hidden")), .created)
        try requireStatus(try await program.putMember("anon", MemberInput(displayName: "Anon", team: "Ops", visibility: "anonymous")), .created)
        try await program.record(EventInput(id: "h1", memberId: "hid", action: "post"))
        try await program.record(EventInput(id: "n1", memberId: "anon", action: "like"))
        try await program.record(EventInput(id: "old", memberId: "m-d", action: "post", occurredAt: "2024-02-15T12:00:00+01:00"))
    }

    static func snapshot(_ program: TestProgram) async throws -> [String: BoardDTO] {
        var boards: [String: BoardDTO] = [:]
        for period in periods { boards[period] = try await program.board(period: period, limit: 100) }
        boards["2024-02"] = try await program.board(period: "month", at: "2024-02-15", limit: 100)
        return boards
    }

    @Test func boardsAreRebuiltExactlyAfterRedisLosesTheNamespace() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(backfillDays: 3660)
            try await Self.recordMixedStandings(program)
            let before = try await Self.snapshot(program)
            #expect(before["all"]?.standings.map(\.rank) == [1, 2, 3, 3, 5])
            #expect(before["all"]?.standings.map(\.points) == [30, 25, 10, 10, 1])
            #expect(before["week"]?.standings == [Standing(1, "m-a", 25), Standing(2, "m-b", 10), Standing(2, "m-c", 10),
                                                  Standing(4, "m-d", 5), Standing(5, nil, 1)])
            #expect(before["2024-02"]?.standings == [Standing(1, "m-d", 25)])
            let profiles = try await ["m-a", "m-c", "hid", "anon"].asyncMap { try await program.profile($0) }

            let deleted = try await RedisNamespace.delete(app.namespace, redisURL: app.redisURL)
            #expect(deleted > 0)

            for period in Self.periods {
                #expect(try await program.boardWhenReady(period: period) == before[period], "\(period)")
            }
            #expect(try await program.board(period: "month", at: "2024-02-15", limit: 100) == before["2024-02"])
            #expect(try await ["m-a", "m-c", "hid", "anon"].asyncMap { try await program.profile($0) } == profiles)
        }
    }

    @Test func eventsAcceptedWhileTheNamespaceIsWipedAreNotLost() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben", "carl"])
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "share"))

            try await RedisNamespace.delete(app.namespace, redisURL: app.redisURL)
            try await program.record(EventInput(id: "e2", memberId: "ben", action: "post"))
            try await program.record(EventInput(id: "e3", memberId: "ana", action: "like"))
            let batch = try await program.recordBatch([EventInput(id: "e4", memberId: "carl", action: "comment")])
            #expect(batch.map(\.outcome) == ["created"])

            let expected = [Standing(1, "ben", 25), Standing(2, "ana", 11), Standing(3, "carl", 5)]
            #expect(try await program.boardWhenReady(period: "all").standings == expected)
            #expect(try await program.board(period: "week").standings == expected)
            #expect(try await program.profile("ana").points == PointsDTO(lifetime: 11, week: 11, month: 11, balance: 11))
            #expect(try await program.profile("ana").ranks == RanksDTO(week: 2, month: 2, all: 2))
        }
    }

    /// While the namespace is gone, an answer's ranks are either unknown (null) or right, never read off a half-empty board.
    @Test func ranksAnsweredWhileTheNamespaceIsWipedAreNotFromAPartialBoard() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "post"))
            try await program.record(EventInput(id: "e2", memberId: "ben", action: "share"))

            try await RedisNamespace.delete(app.namespace, redisURL: app.redisURL)
            let result = try await program.record(EventInput(id: "e3", memberId: "ben", action: "like"))
            #expect(result.member.points == PointsDTO(lifetime: 11, week: 11, month: 11))
            // Ranks come from a complete board or not at all: never from the partial board of a wiped namespace.
            for rank in [result.member.ranks.week, result.member.ranks.month, result.member.ranks.all] {
                #expect(rank == nil || rank == 2, "ben has 11 points, ana 25: ben is second, got \(result.member.ranks)")
            }
            #expect(try await program.boardWhenReady(period: "all").standings == [Standing(1, "ana", 25), Standing(2, "ben", 11)])
        }
    }

    @Test func aNewAppRebuildsTheBoardsFromPostgresAtStart() async throws {
        try await TestApp.run { first in
            let program = try await first.createProgram(backfillDays: 3660)
            try await Self.recordMixedStandings(program)
            let before = try await Self.snapshot(program)

            // Another app on the same database, with an empty namespace of its own: its boards come from PostgreSQL.
            try await TestApp.run(database: first.database) { second in
                #expect(second.namespace != first.namespace)
                let same = TestProgram(app: second, id: program.id, adminKey: program.adminKey, ingestKey: program.ingestKey, readKey: program.readKey)
                let after = try await Self.snapshot(same)
                #expect(after == before)
            }
        }
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
