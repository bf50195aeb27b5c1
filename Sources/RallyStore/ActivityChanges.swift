import Synchronization

/// How many times this instance changed each program's activity (events scored, retractions, members enrolled, moved
/// or gone), and how many of those changes touched days already over: what an analytics answer kept in memory was
/// computed at, and is good for while they stay the same.
public final class ActivityChanges: Sendable {
    struct Generations: Equatable {
        var any: UInt64 = 0
        var past: UInt64 = 0
    }

    private let generations = Mutex<[String: Generations]>([:])

    public init() {}

    /// `past`: the change touched a local day already over (a backdated event, a retraction).
    func changed(_ programs: Set<String>, past: Bool) {
        guard !programs.isEmpty else { return }
        generations.withLock { generations in
            for program in programs {
                generations[program, default: Generations()].any += 1
                if past { generations[program, default: Generations()].past += 1 }
            }
        }
    }

    func generations(of program: String) -> Generations {
        generations.withLock { $0[program, default: Generations()] }
    }
}
