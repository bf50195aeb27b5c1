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
        MemberBoardChanges(memberId: member, revision: revision, deltas: [(Board(program: "p", period: "2026-W47"), points), (Board(program: "p", period: "all"), points)])
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
