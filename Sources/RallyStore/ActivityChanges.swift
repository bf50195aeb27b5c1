import Foundation
import Postgres
import RallyCore
import Synchronization

/// What one commit changed in programs' activity: the programs, and per program the local days already over it touched.
struct ActivityChange: Sendable {
    var programs: Set<String> = []
    var pastDays: [String: Set<CivilDate>] = [:]

    mutating func formUnion(_ other: ActivityChange) {
        programs.formUnion(other.programs)
        pastDays.merge(other.pastDays) { $0.union($1) }
    }

    /// Counts the change in `activity_month_changes`, in the transaction that makes it: once per month of a day already
    /// over, which outdates the participation figures kept for that month's periods (`AnalyticsStore`). Rows in one
    /// order, so that two commits never wait for each other's rows crosswise.
    func count(on connection: PostgresConnection) throws {
        let months = Set(pastDays.flatMap { program, days in days.map { MonthRef(program: program, month: CivilDate(year: $0.year, month: $0.month, day: 1)) } })
            .sorted { ($0.program, $0.month.daysSinceEpoch) < ($1.program, $1.month.daysSinceEpoch) }
        guard !months.isEmpty else { return }
        try connection.query("""
            INSERT INTO activity_month_changes AS c (program_id, month, changes)
            SELECT program_id, month, 1 FROM unnest($1::text[], $2::date[]) AS m(program_id, month)
            ON CONFLICT (program_id, month) DO UPDATE SET changes = c.changes + 1
            """, [PostgresArray.literal(months.map(\.program)), PostgresArray.literal(months.map { PeriodCalendar.dayKey($0.month) })])
    }

    private struct MonthRef: Hashable {
        var program: String
        var month: CivilDate
    }
}

/// How many times this instance changed each program's activity (events scored, retractions, members enrolled, moved
/// or gone, survey answers), and, per local month, how many of those changes touched a day of it already over: what an
/// analytics answer kept in memory was computed at, and is good for while they stay the same.
public final class ActivityChanges: Sendable {
    struct Generations: Equatable {
        /// Every change to the program.
        var any: UInt64 = 0
        /// Changes to days already over, per month (`CivilDate.monthIndex`).
        var past: [Int: UInt64] = [:]

        /// Whether `months` saw no change to a past day since `earlier`.
        func pastUnchanged(since earlier: Generations, in months: [Int]) -> Bool {
            months.allSatisfy { past[$0, default: 0] == earlier.past[$0, default: 0] }
        }
    }

    private let generations = Mutex<[String: Generations]>([:])

    public init() {}

    /// A change to each of `programs`; `pastDays`: the local days already over it touched, per program.
    func changed(_ programs: Set<String>, pastDays: [String: Set<CivilDate>] = [:]) {
        changed(ActivityChange(programs: programs, pastDays: pastDays))
    }

    func changed(_ change: ActivityChange) {
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

    func generations(of program: String) -> Generations {
        generations.withLock { $0[program, default: Generations()] }
    }
}

extension CivilDate {
    /// Months counted from year 0: consecutive months have consecutive numbers.
    var monthIndex: Int { year * 12 + month - 1 }
}

extension AnalyticsRange {
    /// The months (`CivilDate.monthIndex`) the range's days fall in.
    var monthIndices: [Int] { Array(from.monthIndex...to.monthIndex) }
}
