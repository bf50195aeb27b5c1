import Foundation
import Postgres
import RallyCore
import Synchronization

/// What one commit changed in programs' activity: the programs, and per program the local days already over it touched.
package struct ActivityChange: Sendable {
    package var programs: Set<String>
    package var pastDays: [String: Set<CivilDate>]

    package init(programs: Set<String> = [], pastDays: [String: Set<CivilDate>] = [:]) {
        self.programs = programs
        self.pastDays = pastDays
    }

    package mutating func formUnion(_ other: ActivityChange) {
        programs.formUnion(other.programs)
        pastDays.merge(other.pastDays) { $0.union($1) }
    }
}

/// How many times this instance changed each program's activity (events scored, retractions, members enrolled, moved
/// or gone, survey answers), and, per local month, how many of those changes touched a day of it already over: what an
/// analytics answer kept in memory was computed at, and is good for while they stay the same.
public final class ActivityChanges: Sendable {
    package struct Generations: Equatable {
        /// Every change to the program.
        var any: UInt64 = 0
        /// Changes to days already over, per month (`CivilDate.monthIndex`).
        var past: [Int: UInt64] = [:]

        /// Whether `months` saw no change to a past day since `earlier`.
        package func pastUnchanged(since earlier: Generations, in months: [Int]) -> Bool {
            months.allSatisfy { past[$0, default: 0] == earlier.past[$0, default: 0] }
        }
    }

    private let generations = Mutex<[String: Generations]>([:])

    public init() {}

    /// A change to each of `programs`; `pastDays`: the local days already over it touched, per program.
    package func changed(_ programs: Set<String>, pastDays: [String: Set<CivilDate>] = [:]) {
        changed(ActivityChange(programs: programs, pastDays: pastDays))
    }

    package func changed(_ change: ActivityChange) {
        guard !change.programs.isEmpty else { return }
        generations.withLock { generations in
            for program in change.programs {
                generations[program, default: Generations()].any += 1
                for month in Set((change.pastDays[program] ?? []).map(\.monthIndex)) {
                    generations[program, default: Generations()].past[month, default: 0] += 1
                }
            }
        }
    }

    package func generations(of program: String) -> Generations {
        generations.withLock { $0[program, default: Generations()] }
    }
}

extension CivilDate {
    /// Months counted from year 0: consecutive months have consecutive numbers.
    var monthIndex: Int { year * 12 + month - 1 }
}

extension AnalyticsRange {
    /// The months (`CivilDate.monthIndex`) the range's days fall in.
    package var monthIndices: [Int] { Array(from.monthIndex...to.monthIndex) }
}
