import Foundation

/// How analytics cut time: local days, ISO weeks, months or quarters of the program's time zone.
public enum AnalyticsGranularity: String, Sendable, CaseIterable {
    case day, week, month, quarter

    public var periodKind: PeriodKind {
        switch self {
        case .day: .day
        case .week: .week
        case .month: .month
        case .quarter: .quarter
        }
    }
}

/// One period of an analytics answer: its key, its local days (first through last) and its bounds.
public struct AnalyticsPeriod: Sendable, Equatable {
    public var period: Period
    public var firstDay: CivilDate
    public var lastDay: CivilDate
}

/// The local dates an analytics question covers, `from` through `to`, both included.
public struct AnalyticsRange: Sendable, Equatable {
    public var from: CivilDate
    public var to: CivilDate

    /// The longest range asked at once: three years (twelve quarters).
    public static let maximumDays = 1096

    public init(from: CivilDate, to: CivilDate) {
        self.from = from
        self.to = to
    }

    /// The range `from`/`to` name (local dates, `2026-11-30`), with the defaults: `to` today, `from` so that the answer
    /// covers twelve periods of `granularity`, or thirty days without one; every problem named by its field.
    public static func parse(from: String?, to: String?, granularity: AnalyticsGranularity?, today: CivilDate) -> Result<AnalyticsRange, ValidationFailure> {
        var problems: [FieldProblem] = []
        func date(_ text: String?, field: String) -> CivilDate? {
            guard let text else { return nil }
            guard let date = CivilDate.parse(text) else {
                problems.append(FieldProblem(field: field, problem: "must be a local date such as 2026-11-30"))
                return nil
            }
            return date
        }
        let last = date(to, field: "to") ?? (to == nil ? today : nil)
        var first = date(from, field: "from")
        if from == nil, let last { first = defaultStart(through: last, granularity: granularity ?? .day) }
        if let first, let last {
            if first.daysSinceEpoch > last.daysSinceEpoch {
                problems.append(FieldProblem(field: "from", problem: "must not be after to"))
            } else if last.daysSinceEpoch - first.daysSinceEpoch + 1 > maximumDays {
                problems.append(FieldProblem(field: "from", problem: "the range may cover at most \(maximumDays) days"))
            }
        }
        guard problems.isEmpty, let first, let last else { return .failure(ValidationFailure(problems: problems)) }
        return .success(AnalyticsRange(from: first, to: last))
    }

    /// The first day of the period of `granularity` eleven periods before the one holding `last` (thirty days for days).
    static func defaultStart(through last: CivilDate, granularity: AnalyticsGranularity) -> CivilDate {
        switch granularity {
        case .day: return CivilDate(daysSinceEpoch: last.daysSinceEpoch - 29)
        case .week: return CivilDate(daysSinceEpoch: last.daysSinceEpoch - PeriodCalendar.isoWeekdayIndex(last.daysSinceEpoch) - 77)
        case .month, .quarter:
            let months = granularity == .month ? 11 : 33
            let index = last.year * 12 + (last.month - 1) - months
            let month = index % 12 + 1
            let first = granularity == .month ? month : (month - 1) / 3 * 3 + 1
            return CivilDate(year: index / 12, month: first, day: 1)
        }
    }

    /// Every period of `granularity` that overlaps the range, whole, in order.
    public func periods(_ granularity: AnalyticsGranularity, calendar: PeriodCalendar) -> [AnalyticsPeriod] {
        var periods: [AnalyticsPeriod] = []
        var day = from.daysSinceEpoch
        while day <= to.daysSinceEpoch {
            let date = CivilDate(daysSinceEpoch: day)
            guard let days = PeriodCalendar.days(of: granularity.periodKind, containing: date) else { break }
            let period = calendar.period(granularity.periodKind, containing: calendar.instant(atNoonOf: date))
            periods.append(AnalyticsPeriod(period: period, firstDay: CivilDate(daysSinceEpoch: days.lowerBound),
                                           lastDay: CivilDate(daysSinceEpoch: days.upperBound - 1)))
            day = days.upperBound
        }
        return periods
    }

    /// The whole range as one window of days.
    public func window(calendar: PeriodCalendar) -> Period {
        calendar.window(.range, from: from, through: to)
    }
}
