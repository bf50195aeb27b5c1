import Foundation
import Testing
@testable import RallyCore

@Suite struct CivilDateTests {
    @Test(arguments: [
        (1970, 1, 1, 0),
        (1970, 1, 2, 1),
        (1969, 12, 31, -1),
        (2000, 1, 1, 10_957),
        (2000, 3, 1, 11_017),
        (2000, 2, 29, 11_016),
        (1900, 3, 1, -25_508),
        (2038, 1, 19, 24_855),
        (1, 1, 1, -719_162),
        (0, 3, 1, -719_468),
        (9999, 12, 31, 2_932_896),
    ])
    func daysSinceEpochOfKnownDates(year: Int, month: Int, day: Int, days: Int) {
        let date = CivilDate(year: year, month: month, day: day)
        #expect(date.daysSinceEpoch == days)
        #expect(CivilDate(daysSinceEpoch: days) == date)
    }

    @Test func daysSinceEpochMatchesFoundationFrom1600To2400() {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = TimeZone(secondsFromGMT: 0)!
        let first = Int(utc(1600, 1, 1).timeIntervalSince1970 / 86_400)
        let last = Int(utc(2400, 12, 31).timeIntervalSince1970 / 86_400)
        #expect(first == -135_140)
        var day = first
        while day <= last {
            let components = gregorian.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86_400))
            let expected = CivilDate(year: components.year!, month: components.month!, day: components.day!)
            let actual = CivilDate(daysSinceEpoch: day)
            if actual != expected || expected.daysSinceEpoch != day {
                Issue.record("day \(day): got \(actual), expected \(expected) (\(expected.daysSinceEpoch))")
            }
            day += 7
        }
    }

    @Test func roundTripsOverAWideRange() {
        // From about 3500 BCE to 7500 CE, every day: conversions invert each other and consecutive days are consecutive dates.
        var previous = CivilDate(daysSinceEpoch: -2_000_001)
        for day in -2_000_000...2_000_000 {
            let date = CivilDate(daysSinceEpoch: day)
            if date.daysSinceEpoch != day {
                Issue.record("day \(day) → \(date) → \(date.daysSinceEpoch)")
                return
            }
            let follows = date.day == previous.day + 1 && date.month == previous.month && date.year == previous.year
                || date.day == 1 && previous.day == CivilDate.daysInMonth(year: previous.year, month: previous.month)
                    && (date.month == previous.month + 1 && date.year == previous.year
                        || date.month == 1 && previous.month == 12 && date.year == previous.year + 1)
            if !follows {
                Issue.record("\(date) does not follow \(previous)")
                return
            }
            previous = date
        }
    }

    @Test(arguments: [
        (2024, 2, 29), (2026, 2, 28), (1900, 2, 28), (2000, 2, 29), (2100, 2, 28),
        (2026, 1, 31), (2026, 3, 31), (2026, 4, 30), (2026, 5, 31), (2026, 6, 30), (2026, 7, 31),
        (2026, 8, 31), (2026, 9, 30), (2026, 10, 31), (2026, 11, 30), (2026, 12, 31),
    ])
    func daysInMonth(year: Int, month: Int, days: Int) {
        #expect(CivilDate.daysInMonth(year: year, month: month) == days)
    }

    @Test func parsesRealDates() {
        #expect(CivilDate.parse("2026-11-20") == CivilDate(year: 2026, month: 11, day: 20))
        #expect(CivilDate.parse("2024-02-29") == CivilDate(year: 2024, month: 2, day: 29))
        #expect(CivilDate.parse("0001-01-01") == CivilDate(year: 1, month: 1, day: 1))
    }

    @Test(arguments: [
        "", "2026-02-29", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31",
        "2026-1-01", "2026-01-1", "26-11-20", "20260-11-20", "2026-11-20T", "2026/11/20", "2026-11", "2026-11-20-01",
        "2026-+1-05", "2026-01-+5", "+202-01-05", " 2026-01-05", "2026-01-05 ", "2026--1-05",
    ])
    func rejectsWhatIsNotYYYYMMDD(text: String) {
        #expect(CivilDate.parse(text) == nil)
    }
}
