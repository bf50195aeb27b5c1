import RallyStorage
import Synchronization

/// Boards computed whole on a read (a window summed from its day boards, a team board or a past period from
/// PostgreSQL), kept until this instance changes their program, and at most `lifetime` (the changes of other
/// instances). Readers of a board being computed since the program last changed wait for that computation instead of
/// starting their own.
///
/// A large board (`large` or more rows read to compute it: a program of many thousands of active members) is not
/// dropped when the program changes, and is kept ten times as long as it took to compute (at least `lifetime`): on a
/// busy program it would otherwise be computed again after every commit, and each board then costs at most a tenth
/// of one core. Its readers see changes within that time instead of at once. Once it expires, readers are still
/// answered with it while one computation of its successor runs (for as long again at most), so that only the
/// first reader of a large board ever waits for it.
final class DerivedBoardCache<Key: ProgramKeyed, Value: Sendable>: Sendable {
    private struct Version: Equatable {
        var generation: UInt64
        var program: UInt64
    }

    private struct Entry {
        var value: Value
        var version: Version
        var expires: ContinuousClock.Instant
        /// Kept whatever changes, until it expires; then served while its successor is computed, until `staleUntil`.
        var pinned: Bool
        var staleUntil: ContinuousClock.Instant
    }

    private enum Lookup {
        case kept(Value)
        case computing(Task<Value, any Error>)
    }

    private struct State {
        var generation: UInt64 = 0
        var programs: [String: UInt64] = [:]
        var entries: [Key: Entry] = [:]
        /// Computations under way, with the version they started at: a reader joins one only if nothing changed since.
        var computing: [Key: (version: Version, task: Task<Value, any Error>)] = [:]

        func version(of program: String) -> Version {
            Version(generation: generation, program: programs[program, default: 0])
        }
    }

    private let state = Mutex(State())
    let lifetime: Duration
    let large: Int
    private let capacity: Int
    private let clock: any ServiceClock

    init(lifetime: Duration = .seconds(1), large: Int = 10_000, capacity: Int = 64, clock: any ServiceClock = ContinuousClock()) {
        self.lifetime = lifetime
        self.clock = clock
        self.large = large
        self.capacity = capacity
    }

    /// The board under `key`: kept, being computed by another reader, or computed now by `compute`, which also says how
    /// many rows it read.
    func value(for key: Key, compute: @escaping @Sendable () async throws -> (value: Value, rows: Int)) async throws -> Value {
        let now = clock.now
        let lookup: Lookup = state.withLock { state in
            let version = state.version(of: key.program)
            if let entry = state.entries[key], entry.expires > now, entry.pinned || entry.version == version {
                return .kept(entry.value)
            }
            if let entry = state.entries[key], entry.pinned, entry.staleUntil > now {
                if state.computing[key] == nil { state.computing[key] = (version, computation(of: key, at: version, compute)) }
                return .kept(entry.value)
            }
            if let running = state.computing[key], running.version == version { return .computing(running.task) }
            let task = computation(of: key, at: version, compute)
            state.computing[key] = (version, task)
            return .computing(task)
        }
        switch lookup {
        case let .kept(value): return value
        case let .computing(task): return try await task.value
        }
    }

    /// A computation of the board under `key` as of `version`, which keeps its result when it ends.
    private func computation(of key: Key, at version: Version,
                             _ compute: @escaping @Sendable () async throws -> (value: Value, rows: Int)) -> Task<Value, any Error> {
        Task {
            let started = ContinuousClock.now
            let outcome = await Result(catching: compute)
            self.state.withLock { state in
                if state.computing[key]?.version == version { state.computing[key] = nil }
            }
            let computed = try outcome.get()
            self.store(computed.value, for: key, readAt: version, large: computed.rows >= self.large, cost: ContinuousClock.now - started)
            return computed.value
        }
    }

    /// Keeps a board computed at `version`, unless its program changed since and it is small.
    private func store(_ value: Value, for key: Key, readAt version: Version, large pinned: Bool, cost: Duration) {
        let now = clock.now
        state.withLock { state in
            guard pinned || version == state.version(of: key.program) else { return }
            if state.entries.count >= capacity { state.entries = state.entries.filter { $0.value.expires > now } }
            if state.entries.count >= capacity { state.entries.removeAll() }
            let kept = pinned ? max(lifetime, cost * 10) : lifetime
            state.entries[key] = Entry(value: value, version: version, expires: now + kept, pinned: pinned, staleUntil: now + kept * 2)
        }
    }

    /// After this instance changed the programs' boards.
    func invalidate(programs: some Sequence<String>) {
        state.withLock { state in
            for program in programs { state.programs[program, default: 0] &+= 1 }
        }
    }

    /// After the projection was rebuilt or lost: nothing kept is trusted, however costly.
    func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.programs.removeAll()
            state.entries.removeAll()
        }
    }
}
