import Foundation
import Logging
import Postgres
import RallyCore
@testable import RallyLeaderboards
import RallyTestSupport
import Redis
import Testing

/// A member's changes reach Redis exactly once and in revision order, whichever instance or lane sends them.
@Suite("Standings apply in revision order")
struct ProjectionOrderTests {
    static func withLeaderboards(_ body: (Leaderboards) async throws -> Void) async throws {
        let url = try #require(ProcessInfo.processInfo.environment["RALLY_TEST_REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 },
                               "RALLY_TEST_REDIS_URL is not set: run the tests with ops/test")
        let redis = RedisPool(configuration: try RedisConfiguration(url: url, maximumConnections: 1), logger: StoreTestEnvironment.logger)
        // These tests send projections only: the pool of PostgreSQL connections is never used (it connects on demand).
        let postgres = PostgresPool(configuration: PostgresConfiguration(connectionString: "postgresql://unused.invalid/none", maximumConnections: 1),
                                    logger: StoreTestEnvironment.logger)
        let leaderboards = Leaderboards(redis: redis, postgres: postgres, keys: LeaderboardKeys(namespace: "order-test-\(UUID().uuidString.lowercased())"))
        var failure: (any Error)?
        do { try await body(leaderboards) } catch { failure = error }
        _ = try? await deleteKeys(matching: leaderboards.keys.namespace + "/*", in: redis)
        await redis.shutdown()
        await postgres.shutdown()
        if let failure { throw failure }
    }

    static func update(_ member: String, _ revision: Int64, _ points: Int64) -> MemberBoardChanges {
        MemberBoardChanges(memberId: member, revision: revision, scopes: [.program], periods: [("2026-W47", points), ("all", points)])
    }

    static func points(_ leaderboards: Leaderboards, _ member: String, _ period: String = "all") async throws -> Int64? {
        try await leaderboards.redis.send(["ZSCORE", leaderboards.keys.key(for: Board(program: "p", period: period)), member]).double
            .map { StandingKey(value: $0).points }
    }

    @Test func changesApplyOnceAndInOrderAndLaterOnesWaitForAResync() async throws {
        try await Self.withLeaderboards { leaderboards in
            func send(_ updates: [MemberBoardChanges]) async throws -> [String] {
                var projection = Projection(keys: leaderboards.keys)
                projection.apply(program: "p", updates: updates)
                return try await leaderboards.send(projection).behind.map(\.id)
            }
            #expect(try await send([Self.update("ana", 1, 10), Self.update("ben", 1, 7)]) == [])
            #expect(try await Self.points(leaderboards, "ana") == 10)
            // Revision 3 arrives before 2: it is not applied, and ana is named for a resync.
            #expect(try await send([Self.update("ana", 3, 100)]) == ["ana"])
            #expect(try await Self.points(leaderboards, "ana") == 10)
            #expect(try await send([Self.update("ana", 2, 5)]) == [])
            #expect(try await Self.points(leaderboards, "ana") == 15)
            // Revision 2 again (a retried pipeline, another instance): nothing is counted twice.
            #expect(try await send([Self.update("ana", 2, 5)]) == [])
            #expect(try await Self.points(leaderboards, "ana", "2026-W47") == 15)

            // A resync sets what PostgreSQL holds at revision 3; an older resync changes nothing.
            var resync = Projection(keys: leaderboards.keys)
            resync.resync(program: "p", members: [MemberTotalsAtRevision(memberId: "ana", revision: 3, scopes: [.program], totals: [("2026-W47", 115), ("all", 115)])])
            _ = try await leaderboards.send(resync)
            #expect(try await Self.points(leaderboards, "ana") == 115)
            var older = Projection(keys: leaderboards.keys)
            older.resync(program: "p", members: [MemberTotalsAtRevision(memberId: "ana", revision: 2, scopes: [.program], totals: [("all", 15)])])
            _ = try await leaderboards.send(older)
            #expect(try await Self.points(leaderboards, "ana") == 115)
            #expect(try await send([Self.update("ana", 4, 1)]) == [])
            #expect(try await Self.points(leaderboards, "ana") == 116)
            #expect(try await Self.points(leaderboards, "ben") == 7)
        }
    }

    @Test func commandsGoToRedisInRoundsOfBoundedSize() {
        var projection = Projection(keys: LeaderboardKeys(namespace: "rounds"))
        // 60 members of 9 arguments each: scripts of 25, 25 and 10 members (231, 231 and 96 arguments with their 6).
        projection.apply(program: "p", updates: (1...60).map { Self.update("m\($0)", 1, 1) })
        projection.queryRank(program: "p", period: .allTime, points: 5)
        #expect(projection.commands.map(\.count) == [231, 231, 96, 4])
        #expect(projection.rounds == [0..<2, 2..<4])
        // A command larger than a round goes alone.
        projection.setStandings(on: Board(program: "p", period: "all"), (1...300).map { ("m\($0)", String($0)) })
        projection.setSequence(program: "p", period: "all", to: 300)
        #expect(projection.rounds == [0..<2, 2..<4, 4..<5, 5..<6])
    }

    @Test func aPeriodsTotalIsSetAlikeOnTheBoardOfEveryScope() async throws {
        try await Self.withLeaderboards { leaderboards in
            let scopes: [BoardScope] = [.program, .team("Sales"), .region("EMEA")]
            func send(_ updates: [MemberBoardChanges]) async throws {
                var projection = Projection(keys: leaderboards.keys)
                projection.apply(program: "p", updates: updates)
                #expect(try await leaderboards.send(projection).behind.isEmpty)
            }
            func scores(_ member: String, _ period: String) async throws -> [Double?] {
                var found: [Double?] = []
                for scope in scopes {
                    let key = leaderboards.keys.key(for: Board(program: "p", scope: scope, period: period))
                    found.append(try await leaderboards.redis.send(["ZSCORE", key, member]).double)
                }
                return found
            }
            try await send([MemberBoardChanges(memberId: "ana", revision: 1, scopes: scopes, periods: [("2026-W47", 10), ("all", 10)]),
                            MemberBoardChanges(memberId: "ben", revision: 1, scopes: scopes, periods: [("all", 4)])])
            // Each period numbers its own updates: ana's week total is its first, ben's all-time total the all-time's second.
            #expect(try await scores("ana", "2026-W47") == Array(repeating: StandingKey(points: 10, sequence: 1).value, count: 3))
            #expect(try await scores("ana", "all") == Array(repeating: StandingKey(points: 10, sequence: 1).value, count: 3))
            #expect(try await scores("ben", "all") == Array(repeating: StandingKey(points: 4, sequence: 2).value, count: 3))
            // Ana joins another team: PostgreSQL's scopes for her next change name its board, where she has no total yet;
            // it gets her period's total as the program's board holds it, not the change alone.
            let moved: [BoardScope] = [.program, .team("Ops"), .region("EMEA")]
            try await send([MemberBoardChanges(memberId: "ana", revision: 2, scopes: moved, periods: [("all", 5)])])
            let ops = leaderboards.keys.key(for: Board(program: "p", scope: .team("Ops"), period: "all"))
            #expect(try await leaderboards.redis.send(["ZSCORE", ops, "ana"]).double == StandingKey(points: 15, sequence: 3).value)
            #expect(try await Self.points(leaderboards, "ana") == 15)
        }
    }

    @Test func aResyncOfAnUnchangedTotalKeepsItsPlaceAmongTies() async throws {
        try await Self.withLeaderboards { leaderboards in
            var projection = Projection(keys: leaderboards.keys)
            projection.apply(program: "p", updates: [Self.update("ana", 1, 10), Self.update("ben", 1, 10)])
            _ = try await leaderboards.send(projection)
            let board = leaderboards.keys.key(for: Board(program: "p", period: "all"))
            let before = try await leaderboards.redis.send(["ZREVRANGE", board, "0", "-1"]).array?.compactMap(\.string)
            #expect(before == ["ana", "ben"], "ana reached 10 first")
            var resync = Projection(keys: leaderboards.keys)
            resync.resync(program: "p", members: [MemberTotalsAtRevision(memberId: "ana", revision: 1, scopes: [.program], totals: [("all", 10)])])
            _ = try await leaderboards.send(resync)
            #expect(try await leaderboards.redis.send(["ZREVRANGE", board, "0", "-1"]).array?.compactMap(\.string) == ["ana", "ben"])
        }
    }
}
