import Foundation
import RallyCore
@testable import RallyLeaderboards
import Redis
import Testing

/// Boards of periods past keeping leave Redis; the others, and everything that is not a board, stay.
@Suite("Pruning past periods")
struct PruningTests {
    @Test func onlyBoardsPastKeepingEverywhereAreDeleted() async throws {
        try await ProjectionOrderTests.withLeaderboards { leaderboards in
            let now = Date(timeIntervalSince1970: 1_770_811_200) // 2026-02-11 12:00 UTC
            let keys = leaderboards.keys
            let expired = [keys.key(for: Board(program: "a/b", period: "2026-01-06")), keys.key(for: Board(program: "p", scope: .team("Sales/EU"), period: "2025-W46")),
                           keys.sequence(program: "p", period: "2025-01"), keys.key(for: Board(program: "p", period: "2024-Q4")),
                           keys.key(for: Board(program: "p", period: "2024"))]
            let kept = [keys.key(for: Board(program: "p", period: "2026-01-07")), keys.key(for: Board(program: "p", period: "2025-W47")),
                        keys.sequence(program: "p", period: "2025-02"), keys.key(for: Board(program: "p", period: "2025-Q1")),
                        keys.key(for: Board(program: "p", period: "2025")), keys.key(for: Board(program: "p", period: "all")), keys.listings(program: "p"),
                        keys.revisions(program: "p"), keys.ready]
            for key in expired + kept { _ = try await leaderboards.redis.send(["SET", key, "1"]) }
            #expect(try await leaderboards.pruneExpiredBoards(now: now) == expired.count)
            for key in expired { #expect(try await leaderboards.redis.send(["EXISTS", key]).int == 0, "\(key)") }
            for key in kept { #expect(try await leaderboards.redis.send(["EXISTS", key]).int == 1, "\(key)") }
        }
    }
}
