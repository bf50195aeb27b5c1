import RallyStorage
import Synchronization

/// What a page cache keeps a value of: something read from one board.
protocol BoardRead: Hashable, Sendable {
    var board: Board { get }
}

extension BoardPage: BoardRead {}

/// A member's place on a board: the entries around them (`radius` either side).
struct BoardAround: BoardRead {
    var board: Board
    var memberId: String
    var radius: Int
}

/// A member's place on a board.
struct BoardMember: BoardRead {
    var board: Board
    var memberId: String
}

/// Leaderboard pages (or places) already read from Redis, kept until this instance's writer changes their board, and for
/// `lifetime` at most (the changes other instances make to the same boards).
///
/// The writer invalidates a board only after Redis has acknowledged the change; a reader notes the board's version
/// before reading Redis. So a cached page is never older than the last commit this instance projected, nor older
/// than `lifetime`: repeated reads of a busy board cost no round trip.
final class PageCache<Key: BoardRead, Value: Sendable>: Sendable {
    /// What a page was read under: the cache generation and its board's version.
    struct Version: Equatable {
        var generation: UInt64
        var board: UInt64
    }

    private struct State {
        var generation: UInt64 = 0
        var boards: [Board: UInt64] = [:]
        var pages: [Key: (version: Version, page: Value, expires: ContinuousClock.Instant)] = [:]
    }

    private let state = Mutex(State())
    private let capacity: Int
    let lifetime: Duration
    private let clock: any ServiceClock

    init(capacity: Int = 10_000, lifetime: Duration = .seconds(1), clock: any ServiceClock = ContinuousClock()) {
        self.capacity = capacity
        self.lifetime = lifetime
        self.clock = clock
    }

    /// The board's current version, to note before reading Redis.
    func version(of board: Board) -> Version {
        state.withLock { Version(generation: $0.generation, board: $0.boards[board, default: 0]) }
    }

    func page(_ key: Key) -> Value? {
        let now = clock.now
        return state.withLock { state in
            guard let entry = state.pages[key], entry.expires > now,
                  entry.version == Version(generation: state.generation, board: state.boards[key.board, default: 0])
            else { return nil }
            return entry.page
        }
    }

    func store(_ page: Value, for key: Key, readAt version: Version) {
        let expires = clock.now + lifetime
        state.withLock { state in
            if state.pages.count >= capacity { state.pages.removeAll(keepingCapacity: true) }
            state.pages[key] = (version, page, expires)
        }
    }

    /// After Redis acknowledged changes to these boards.
    func invalidate(_ boards: some Sequence<Board>) {
        state.withLock { state in
            for board in boards { state.boards[board, default: 0] &+= 1 }
        }
    }

    /// After anything that may touch every board (a listing change, a rebuild, a failed projection).
    func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.boards.removeAll()
            state.pages.removeAll()
        }
    }
}
