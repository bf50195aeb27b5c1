import Foundation

/// How many recent periods of each kind keep their boards in Redis (the current one included); older periods are
/// answered from PostgreSQL, which holds every day. All-time boards are always kept.
public struct BoardRetention: Sendable, Equatable {
    public var periods: [PeriodKind: Int]

    /// Days for five weeks (room for `rolling&days=30`), weeks for a quarter, months for thirteen months (this one and
    /// the same month last year), quarters for five, years for two.
    public static let standard = BoardRetention(periods: [.day: 35, .week: 13, .month: 13, .quarter: 5, .year: 2])

    /// The kinds whose old boards leave Redis.
    public static let kinds: [PeriodKind] = [.day, .week, .month, .quarter, .year]

    public init(periods: [PeriodKind: Int]) {
        self.periods = periods
    }

    /// From `day=35,week=13,month=13,quarter=5,year=2` (kinds left out keep their standard count); nil when a part
    /// names another kind or a count outside 1–10,000.
    public init?(parsing text: String) {
        var periods = Self.standard.periods
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let kind = PeriodKind(rawValue: pair[0]), Self.kinds.contains(kind),
                  let count = Int(pair[1]), (1...10_000).contains(count) else { return nil }
            periods[kind] = count
        }
        self.init(periods: periods)
    }

    /// As `init(parsing:)` reads it.
    public var description: String {
        Self.kinds.map { "\($0.rawValue)=\(periods[$0] ?? 1)" }.joined(separator: ",")
    }

    /// The first local day of the oldest period of `kind` whose board is kept when the program's date is `today`;
    /// nil when every period of the kind is kept (all time).
    public func firstKeptDay(_ kind: PeriodKind, today: CivilDate) -> CivilDate? {
        guard Self.kinds.contains(kind) else { return nil }
        let back = max(periods[kind] ?? 1, 1) - 1
        switch kind {
        case .day:
            return CivilDate(daysSinceEpoch: today.daysSinceEpoch - back)
        case .week:
            return CivilDate(daysSinceEpoch: today.daysSinceEpoch - PeriodCalendar.isoWeekdayIndex(today.daysSinceEpoch) - 7 * back)
        case .month:
            return Self.firstOfMonth(year: today.year, month: today.month - back)
        case .quarter:
            return Self.firstOfMonth(year: today.year, month: (today.month - 1) / 3 * 3 + 1 - 3 * back)
        default:
            return CivilDate(year: today.year - back, month: 1, day: 1)
        }
    }

    /// Whether Redis keeps the board of a tracked period (one starting on local day `start`; nil for all time).
    public func keeps(_ kind: PeriodKind, startingOn start: CivilDate?, today: CivilDate) -> Bool {
        guard let start, let first = firstKeptDay(kind, today: today) else { return true }
        return start.daysSinceEpoch >= first.daysSinceEpoch
    }

    /// Whether Redis keeps the board of the period a key names (`2026-W47`; `all` and unknown keys: yes) when the
    /// program's date is `today`.
    public func keeps(periodKey: String, today: CivilDate) -> Bool {
        guard let (kind, start) = Self.start(ofKey: periodKey) else { return true }
        return keeps(kind, startingOn: start, today: today)
    }

    /// Whether a board of this period key (`2026-11-20`, `2026-W47`, `2026-11`, `2026-Q4`, `2026`) is past keeping
    /// wherever its program is, when the UTC date is `utcToday`: local dates are never more than a day behind it.
    /// Keys of no tracked period (all time) never expire.
    public func hasExpired(periodKey: String, utcToday: CivilDate) -> Bool {
        guard let (kind, start) = Self.start(ofKey: periodKey),
              let first = firstKeptDay(kind, today: CivilDate(daysSinceEpoch: utcToday.daysSinceEpoch - 1)) else { return false }
        return start.daysSinceEpoch < first.daysSinceEpoch
    }

    /// The kind and first day of the period a key names.
    static func start(ofKey key: String) -> (PeriodKind, CivilDate)? {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let year = Int(parts[0]), parts[0].count == 4 else { return nil }
        switch parts.count {
        case 1:
            return (.year, CivilDate(year: year, month: 1, day: 1))
        case 2 where parts[1].hasPrefix("W"):
            guard let week = Int(parts[1].dropFirst()), (1...53).contains(week) else { return nil }
            // ISO week 1 holds 4 January.
            let january4 = CivilDate(year: year, month: 1, day: 4).daysSinceEpoch
            return (.week, CivilDate(daysSinceEpoch: january4 - PeriodCalendar.isoWeekdayIndex(january4) + 7 * (week - 1)))
        case 2 where parts[1].hasPrefix("Q"):
            guard let quarter = Int(parts[1].dropFirst()), (1...4).contains(quarter) else { return nil }
            return (.quarter, CivilDate(year: year, month: quarter * 3 - 2, day: 1))
        case 2:
            guard let month = Int(parts[1]), (1...12).contains(month) else { return nil }
            return (.month, CivilDate(year: year, month: month, day: 1))
        case 3:
            return CivilDate.parse(key).map { (.day, $0) }
        default:
            return nil
        }
    }

    /// The first day of a month counted from January of `year` (month 0 is December of the year before).
    private static func firstOfMonth(year: Int, month: Int) -> CivilDate {
        let index = year * 12 + month - 1
        let floorYear = index >= 0 ? index / 12 : (index - 11) / 12
        return CivilDate(year: floorYear, month: index - floorYear * 12 + 1, day: 1)
    }
}
