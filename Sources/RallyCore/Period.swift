import Foundation
import Synchronization

/// The spans leaderboards and totals are kept for, in a program's time zone.
public enum PeriodKind: String, Sendable, CaseIterable, Codable {
    case day, week, month, quarter, year, all
    /// Whole local days summed from day boards: the last N days (`rolling`) or a chosen range (`range`).
    case rolling, range

    /// The kinds Rally keeps a board for, updated as events arrive.
    public static let tracked: [PeriodKind] = [.day, .week, .month, .quarter, .year, .all]
}

/// One concrete period: `2026-W47` is the ISO week from Monday 2026-11-16 00:00 local time to the next Monday.
public struct Period: Sendable, Hashable {
    public var kind: PeriodKind
    /// `2026-11-20`, `2026-W47`, `2026-11`, `2026-Q4`, `2026` or `all`: distinct formats, so a key alone names its period.
    public var key: String
    /// Inclusive start; nil for `all`.
    public var start: Date?
    /// Exclusive end; nil for `all`.
    public var end: Date?

    public static let allTime = Period(kind: .all, key: "all", start: nil, end: nil)

    /// Whether `instant` falls within the period.
    public func contains(_ instant: Date) -> Bool {
        (start.map { $0 <= instant } ?? true) && (end.map { instant < $0 } ?? true)
    }
}

/// Period boundaries in one time zone: the one place where a day, an ISO week or a month begins and ends.
public struct PeriodCalendar: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar
    /// The last period found of each kind: most calls ask about "now", or about a batch of events of one day.
    private let recent = RecentPeriods()

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// The calendar for an IANA zone name, or nil when the zone does not exist.
    public init?(timeZoneIdentifier: String) {
        guard !timeZoneIdentifier.isEmpty, let zone = TimeZone(identifier: timeZoneIdentifier) else { return nil }
        self.init(timeZone: zone)
    }

    /// The period of `kind` that contains `instant`.
    public func period(_ kind: PeriodKind, containing instant: Date) -> Period {
        if let known = recent.period(kind, containing: instant) { return known }
        let found = computePeriod(kind, containing: instant)
        recent.remember(found)
        return found
    }

    private func computePeriod(_ kind: PeriodKind, containing instant: Date) -> Period {
        let today = localDate(of: instant)
        let days = today.daysSinceEpoch
        switch kind {
        case .day:
            return Period(kind: .day, key: Self.dayKey(today), start: startOfDay(days), end: startOfDay(days + 1))
        case .week:
            let monday = days - Self.isoWeekdayIndex(days)
            let thursday = CivilDate(daysSinceEpoch: monday + 3)
            let week = (thursday.daysSinceEpoch - CivilDate(year: thursday.year, month: 1, day: 1).daysSinceEpoch) / 7 + 1
            let key = "\(thursday.year)-W\(week < 10 ? "0" : "")\(week)"
            return Period(kind: .week, key: key, start: startOfDay(monday), end: startOfDay(monday + 7))
        case .month:
            return monthSpan(.month, year: today.year, firstMonth: today.month, months: 1,
                             key: "\(today.year)-\(today.month < 10 ? "0" : "")\(today.month)")
        case .quarter:
            let quarter = (today.month - 1) / 3 + 1
            return monthSpan(.quarter, year: today.year, firstMonth: quarter * 3 - 2, months: 3, key: "\(today.year)-Q\(quarter)")
        case .year:
            return monthSpan(.year, year: today.year, firstMonth: 1, months: 12, key: "\(today.year)")
        case .all:
            return .allTime
        case .rolling, .range:
            // Windows are not found from an instant but built from their days: `window(_:from:through:)`.
            return Period(kind: .day, key: Self.dayKey(today), start: startOfDay(days), end: startOfDay(days + 1))
        }
    }

    /// The window of whole local days `first` through `last` (`2026-11-01..2026-11-30`), from the start of the first
    /// to the start of the day after the last.
    public func window(_ kind: PeriodKind, from first: CivilDate, through last: CivilDate) -> Period {
        Period(kind: kind, key: "\(Self.dayKey(first))..\(Self.dayKey(last))", start: startOfDay(first.daysSinceEpoch),
               end: startOfDay(last.daysSinceEpoch + 1))
    }

    /// The tracked periods containing `instant`, in `PeriodKind.tracked` order.
    public func trackedPeriods(containing instant: Date) -> [Period] {
        PeriodKind.tracked.map { period($0, containing: instant) }
    }

    /// Noon of a local calendar date: an instant safely inside that day whatever the DST changes.
    public func instant(atNoonOf date: CivilDate) -> Date {
        let noonUTC = Date(timeIntervalSince1970: Double(date.daysSinceEpoch * 86_400 + 43_200))
        return noonUTC.addingTimeInterval(-Double(timeZone.secondsFromGMT(for: noonUTC)))
    }

    /// The seven local dates of the ISO week (Monday to Sunday) that contains `date`.
    public func weekDays(containing date: CivilDate) -> [CivilDate] {
        let monday = date.daysSinceEpoch - Self.isoWeekdayIndex(date.daysSinceEpoch)
        return (0..<7).map { CivilDate(daysSinceEpoch: monday + $0) }
    }

    /// The local calendar date of an instant.
    public func localDate(of instant: Date) -> CivilDate {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        return CivilDate(daysSinceEpoch: Int((local / 86_400).rounded(.down)))
    }

    private func monthSpan(_ kind: PeriodKind, year: Int, firstMonth: Int, months: Int, key: String) -> Period {
        let first = CivilDate(year: year, month: firstMonth, day: 1)
        let next = firstMonth + months > 12
            ? CivilDate(year: year + 1, month: firstMonth + months - 12, day: 1)
            : CivilDate(year: year, month: firstMonth + months, day: 1)
        return Period(kind: kind, key: key, start: startOfDay(first.daysSinceEpoch), end: startOfDay(next.daysSinceEpoch))
    }

    /// The first instant of a local day (not always midnight: some zones skip it when DST starts).
    private func startOfDay(_ daysSinceEpoch: Int) -> Date {
        calendar.startOfDay(for: instant(atNoonOf: CivilDate(daysSinceEpoch: daysSinceEpoch)))
    }

    /// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
    static func isoWeekdayIndex(_ daysSinceEpoch: Int) -> Int {
        ((daysSinceEpoch + 3) % 7 + 7) % 7
    }

    /// `2026-11-20`: a local date as day keys and PostgreSQL `date` literals write it.
    public static func dayKey(_ date: CivilDate) -> String {
        let month = date.month < 10 ? "0\(date.month)" : "\(date.month)"
        let day = date.day < 10 ? "0\(date.day)" : "\(date.day)"
        return "\(date.year)-\(month)-\(day)"
    }
}

/// A memo of one period per kind, shared by the copies of a calendar.
private final class RecentPeriods: Sendable {
    private let periods = Mutex<[PeriodKind: Period]>([:])

    func period(_ kind: PeriodKind, containing instant: Date) -> Period? {
        periods.withLock { periods in
            guard let period = periods[kind], period.contains(instant) else { return nil }
            return period
        }
    }

    func remember(_ period: Period) {
        periods.withLock { $0[period.kind] = period }
    }
}
