import Postgres
import RallyCore
import RallyStorage

extension ActivityChange {
    /// Counts the change in `activity_month_changes`, in the transaction that makes it: once per month of a day already
    /// over, which outdates the participation figures kept for that month's periods (`AnalyticsStore`). Rows in one
    /// order, so that two commits never wait for each other's rows crosswise.
    func count(on connection: PostgresConnection) throws {
        let months = Set(pastDays.flatMap { program, days in days.map { MonthRef(program: program, month: CivilDate(year: $0.year, month: $0.month, day: 1)) } })
            .sorted { ($0.program, $0.month.daysSinceEpoch) < ($1.program, $1.month.daysSinceEpoch) }
        guard !months.isEmpty else { return }
        try connection.run(CountMonthChanges(months: months))
    }
}

/// A local month of a program.
struct MonthRef: Hashable {
    var program: String
    var month: CivilDate
}

/// One more change to each month's activity.
struct CountMonthChanges: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<MonthRef>([.text("program_id") { $0.program }, .date("month") { PeriodCalendar.dayKey($0.month) }])
    static let sql = """
        INSERT INTO activity_month_changes AS c (\(columns.names), changes) SELECT \(columns.values), 1 FROM \(columns.unnest())
        ON CONFLICT (program_id, month) DO UPDATE SET changes = c.changes + 1
        """

    var months: [MonthRef]
    var bindings: [any PostgresBindable] { Self.columns.bindings(months) }
}

