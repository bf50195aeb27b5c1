import Synchronization

/// Boards computed whole on a read (a window summed from its day boards, a team board from PostgreSQL), kept until
/// this instance changes their program, and at most `lifetime` (the changes of other instances). A reader notes the
/// program's version before computing: a result computed across a change is not kept.
final class DerivedBoardCache<Value: Sendable>: Sendable {
    struct Key: Hashable {
        var program: String
        var board: String
    }

    struct Version: Equatable {
        var generation: UInt64
        var program: UInt64
    }

    private struct State {
        var generation: UInt64 = 0
        var programs: [String: UInt64] = [:]
        var entries: [Key: (value: Value, version: Version, expires: ContinuousClock.Instant)] = [:]
    }

    private let state = Mutex(State())
    let lifetime: Duration
    private let capacity: Int

    init(lifetime: Duration = .seconds(2), capacity: Int = 64) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The program's current version, to note before computing one of its boards.
    func version(of program: String) -> Version {
        state.withLock { Version(generation: $0.generation, program: $0.programs[program, default: 0]) }
    }

    func cached(_ key: Key) -> Value? {
        state.withLock { state in
            guard let hit = state.entries[key], hit.expires > ContinuousClock.now,
                  hit.version == Version(generation: state.generation, program: state.programs[key.program, default: 0])
            else { return nil }
            return hit.value
        }
    }

    /// Keeps a board computed at `version`, unless its program changed since.
    func store(_ value: Value, for key: Key, readAt version: Version) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard version == Version(generation: state.generation, program: state.programs[key.program, default: 0]) else { return }
            if state.entries.count >= capacity { state.entries = state.entries.filter { $0.value.expires > now } }
            if state.entries.count >= capacity { state.entries.removeAll() }
            state.entries[key] = (value, version, now + lifetime)
        }
    }

    /// After this instance changed the programs' boards.
    func invalidate(programs: some Sequence<String>) {
        state.withLock { state in
            for program in programs {
                state.programs[program, default: 0] &+= 1
                state.entries = state.entries.filter { $0.key.program != program }
            }
        }
    }

    func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.programs.removeAll()
            state.entries.removeAll()
        }
    }
}
