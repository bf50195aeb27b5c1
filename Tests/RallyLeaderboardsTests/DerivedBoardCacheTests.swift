@testable import RallyLeaderboards
import RallyTestSupport
import Synchronization
import Testing

/// Boards computed whole on a read: one computation for concurrent readers, dropped when the program changes unless
/// large.
@Suite("Derived board cache")
struct DerivedBoardCacheTests {
    static let key = Board(program: "p", period: "b")

    final class Counter: Sendable {
        let count = Atomic<Int>(0)
        func next() -> Int { count.add(1, ordering: .relaxed).newValue }
    }

    @Test func concurrentReadersShareOneComputation() async throws {
        let cache = DerivedBoardCache<Board, Int>(lifetime: .seconds(60), large: 100)
        let computations = Counter()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await cache.value(for: Self.key) {
                        try await Task.sleep(for: .milliseconds(50))
                        return (computations.next(), 1)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 1, count: 20))
        #expect(computations.count.load(ordering: .relaxed) == 1)
    }

    @Test func aSmallBoardIsComputedAgainAfterAChangeALargeOneIsKept() async throws {
        let cache = DerivedBoardCache<Board, Int>(lifetime: .seconds(60), large: 100)
        let computations = Counter()
        let small = Board(program: "p", period: "cheap")
        #expect(try await cache.value(for: small) { (computations.next(), 1) } == 1)
        #expect(try await cache.value(for: small) { (computations.next(), 1) } == 1)
        #expect(try await cache.value(for: Self.key) { (computations.next() + 100, 100) } == 102)
        cache.invalidate(programs: ["p"])
        #expect(try await cache.value(for: small) { (computations.next(), 1) } == 3)
        #expect(try await cache.value(for: Self.key) { (computations.next(), 1) } == 102, "kept: large")
        cache.invalidateAll()
        #expect(try await cache.value(for: Self.key) { (computations.next(), 1) } == 4, "a rebuild drops even large boards")
    }

    @Test func aReaderAfterAChangeDoesNotJoinAComputationStartedBefore() async throws {
        let cache = DerivedBoardCache<Board, Int>(lifetime: .seconds(60), large: 100)
        let early = Task {
            try await cache.value(for: Self.key) {
                try await Task.sleep(for: .milliseconds(200))
                return (1, 1)
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        cache.invalidate(programs: ["p"])
        #expect(try await cache.value(for: Self.key) { (2, 1) } == 2)
        #expect(try await early.value == 1)
        #expect(try await cache.value(for: Self.key) { (3, 1) } == 2, "the earlier result, computed before the change, is not kept")
    }

    @Test func anExpiredLargeBoardIsServedWhileOneReaderComputesItsSuccessor() async throws {
        let clock = ManualClock()
        let cache = DerivedBoardCache<Board, Int>(lifetime: .seconds(1), large: 100, clock: clock)
        let computations = Counter()
        #expect(try await cache.value(for: Self.key) { (computations.next(), 100) } == 1)
        clock.advance(by: .seconds(1))
        // Expired: the first reader starts the successor and, like every reader until it is done, gets the old board.
        #expect(try await cache.value(for: Self.key) {
            try await Task.sleep(for: .milliseconds(100))
            return (computations.next(), 100)
        } == 1)
        #expect(try await cache.value(for: Self.key) { (computations.next() + 100, 100) } == 1)
        let deadline = ContinuousClock.now + .seconds(5)
        var seen = 1
        while seen == 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            seen = try await cache.value(for: Self.key) { (computations.next() + 100, 100) }
        }
        #expect(seen == 2)
        #expect(computations.count.load(ordering: .relaxed) == 2, "one successor computed, by one reader")
    }

    @Test func aLargeBoardPastTwiceItsKeepingIsNotServedAnyMore() async throws {
        let clock = ManualClock()
        let cache = DerivedBoardCache<Board, Int>(lifetime: .milliseconds(300), large: 100, clock: clock)
        #expect(try await cache.value(for: Self.key) { (1, 100) } == 1)
        clock.advance(by: .milliseconds(600))
        #expect(try await cache.value(for: Self.key) { (2, 100) } == 2, "the reader waited for a new board")
    }
}
