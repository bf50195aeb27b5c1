@testable import RallyStorage
import Synchronization
import Testing

@Suite("BackgroundPasses: one pass at a time, each paced")
struct BackgroundPassesTests {
    @Test("a round's rest is the interval, or 19 times the round at a 5% share when that is longer")
    func rest() {
        #expect(BackgroundPasses.rest(after: .milliseconds(200), interval: .seconds(300), share: 0.05) == .seconds(300))
        #expect(BackgroundPasses.rest(after: .seconds(64), interval: .seconds(300), share: 0.05) == .seconds(1216))
        #expect(BackgroundPasses.rest(after: .seconds(3), interval: .seconds(30), share: 0.05) == .seconds(57))
        #expect(BackgroundPasses.rest(after: .seconds(10), interval: .seconds(30), share: 0.5) == .seconds(30))
        #expect(BackgroundPasses.rest(after: .seconds(40), interval: .seconds(30), share: 0.5) == .seconds(40))
        #expect(BackgroundPasses.rest(after: .seconds(40), interval: .seconds(30), share: 1) == .seconds(30))
    }

    @Test("passes started together run one after the other, in the order they asked")
    func oneAtATime() async throws {
        let passes = BackgroundPasses()
        let log = Lines()
        let (started, signal) = AsyncStream<Void>.makeStream()
        let (release, open) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await passes.alone {
                log.append("first in")
                signal.yield()
                for await _ in release { break }
                log.append("first out")
            }
        }
        for await _ in started { break }
        let second = Task { try await passes.alone { log.append("second") } }
        try await Task.sleep(for: .milliseconds(50))  // the second asks while the first holds the turn
        #expect(log.all == ["first in"])
        open.yield()
        try await first.value
        try await second.value
        #expect(log.all == ["first in", "first out", "second"])
    }

    @Test("a pass cancelled while it waits for its turn throws and leaves the turn to the others")
    func cancelledWhileWaiting() async throws {
        let passes = BackgroundPasses()
        let (started, signal) = AsyncStream<Void>.makeStream()
        let (release, open) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await passes.alone {
                signal.yield()
                for await _ in release { break }
            }
        }
        for await _ in started { break }
        let waiter = Task { try await passes.alone { "ran" } }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        open.yield()
        try await holder.value
        #expect(try await passes.alone { "after" } == "after")
    }
}

/// Lines written by concurrent tasks, in the order they were written.
private final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
