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

