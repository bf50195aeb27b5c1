import Foundation
import Testing
@testable import RallyCore

@Suite struct PeriodCalendarTests {
    let paris = PeriodCalendar(timeZone: zone("Europe/Paris"))
    let utcCalendar = PeriodCalendar(timeZone: TimeZone(secondsFromGMT: 0)!)

    // MARK: - Zones

    @Test func unknownZoneIdentifierGivesNil() {
        #expect(PeriodCalendar(timeZoneIdentifier: "Mars/Olympus_Mons") == nil)
        #expect(PeriodCalendar(timeZoneIdentifier: "") == nil)
    }

    @Test func knownZoneIdentifierKeepsTheZone() throws {
        let calendar = try #require(PeriodCalendar(timeZoneIdentifier: "Asia/Kolkata"))
        #expect(calendar.timeZone.identifier == "Asia/Kolkata")
    }

    // MARK: - Days

    @Test func dayInUTCRunsMidnightToMidnight() {
        let day = utcCalendar.period(.day, containing: utc(2026, 11, 20, 8, 14))
        #expect(day.kind == .day)
        #expect(day.key == "2026-11-20")
        #expect(day.start == utc(2026, 11, 20))
        #expect(day.end == utc(2026, 11, 21))
    }

    @Test func dayKeyPadsMonthAndDay() {
        #expect(utcCalendar.period(.day, containing: utc(2026, 1, 5, 12)).key == "2026-01-05")
    }

    @Test func parisSpringForwardDayIs23HoursLong() {
        let day = paris.period(.day, containing: utc(2026, 3, 29, 12))
        #expect(day.key == "2026-03-29")
        // 00:00 CET (+01:00) to 00:00 CEST (+02:00) the next day.
        #expect(day.start == utc(2026, 3, 28, 23))
        #expect(day.end == utc(2026, 3, 29, 22))
        #expect(day.end!.timeIntervalSince(day.start!) == 23 * 3600)
    }

    @Test func parisFallBackDayIs25HoursLong() {
        let day = paris.period(.day, containing: utc(2026, 10, 25, 12))
        #expect(day.key == "2026-10-25")
        // 00:00 CEST (+02:00) to 00:00 CET (+01:00) the next day.
        #expect(day.start == utc(2026, 10, 24, 22))
        #expect(day.end == utc(2026, 10, 25, 23))
        #expect(day.end!.timeIntervalSince(day.start!) == 25 * 3600)
    }

    @Test func bothOccurrencesOfTheRepeatedHourAreInTheFallBackDay() {
        // 02:30 CEST and 02:30 CET on 2026-10-25.
        #expect(paris.period(.day, containing: utc(2026, 10, 25, 0, 30)).key == "2026-10-25")
        #expect(paris.period(.day, containing: utc(2026, 10, 25, 1, 30)).key == "2026-10-25")
    }

    @Test func dayStartIsInclusiveAndEndExclusive() {
        let start = utc(2026, 3, 28, 23)
        #expect(paris.period(.day, containing: start).key == "2026-03-29")
        #expect(paris.period(.day, containing: start.addingTimeInterval(-0.001)).key == "2026-03-28")
        let end = utc(2026, 3, 29, 22)
        #expect(paris.period(.day, containing: end).key == "2026-03-30")
        #expect(paris.period(.day, containing: end.addingTimeInterval(-0.001)).key == "2026-03-29")
    }

    @Test func saoPauloDayWhoseMidnightWasSkippedStartsAt1AM() throws {
        // 2018-11-04: clocks jumped from 00:00 -03:00 to 01:00 -02:00; the day began at 01:00 local = 03:00Z.
        let calendar = try #require(PeriodCalendar(timeZoneIdentifier: "America/Sao_Paulo"))
        let day = calendar.period(.day, containing: utc(2018, 11, 4, 15))
        #expect(day.key == "2018-11-04")
        #expect(day.start == utc(2018, 11, 4, 3))
        #expect(day.end == utc(2018, 11, 5, 2)) // 00:00 -02:00
        #expect(day.end!.timeIntervalSince(day.start!) == 23 * 3600)

        let dayBefore = calendar.period(.day, containing: utc(2018, 11, 3, 15))
        #expect(dayBefore.key == "2018-11-03")
        #expect(dayBefore.start == utc(2018, 11, 3, 3)) // 00:00 -03:00
        #expect(dayBefore.end == utc(2018, 11, 4, 3)) // the next day's 01:00 -02:00
    }

    @Test func saoPauloInstantsAroundTheSkippedMidnight() throws {
        let calendar = try #require(PeriodCalendar(timeZoneIdentifier: "America/Sao_Paulo"))
        #expect(calendar.period(.day, containing: utc(2018, 11, 4, 2, 59, 59)).key == "2018-11-03") // 23:59:59 -03:00
        #expect(calendar.period(.day, containing: utc(2018, 11, 4, 3)).key == "2018-11-04") // 01:00 -02:00
    }

    @Test func santiagoDayWhoseMidnightIsSkippedStartsAt1AM() throws {
        // 2026-09-06 (a Sunday): Chile moves from -04:00 to -03:00 at 00:00 local, so the day starts at 01:00 -03:00 = 04:00Z.
        let calendar = try #require(PeriodCalendar(timeZoneIdentifier: "America/Santiago"))
        let day = calendar.period(.day, containing: utc(2026, 9, 6, 15))
        #expect(day.key == "2026-09-06")
        #expect(day.start == utc(2026, 9, 6, 4))
        #expect(day.end == utc(2026, 9, 7, 3))
        #expect(day.end!.timeIntervalSince(day.start!) == 23 * 3600)

        let dayBefore = calendar.period(.day, containing: utc(2026, 9, 5, 15))
        #expect(dayBefore.start == utc(2026, 9, 5, 4))
        #expect(dayBefore.end == utc(2026, 9, 6, 4))
    }

    @Test func santiagoWeekAndMonthSpanningTheSkippedMidnight() throws {
        let calendar = try #require(PeriodCalendar(timeZoneIdentifier: "America/Santiago"))
        let week = calendar.period(.week, containing: utc(2026, 9, 6, 15))
        #expect(week.key == "2026-W36")
        #expect(week.start == utc(2026, 8, 31, 4)) // Monday 00:00 -04:00
        #expect(week.end == utc(2026, 9, 7, 3)) // Monday 00:00 -03:00
        let month = calendar.period(.month, containing: utc(2026, 9, 6, 15))
        #expect(month.key == "2026-09")
        #expect(month.start == utc(2026, 9, 1, 4))
        #expect(month.end == utc(2026, 10, 1, 3))
    }

    @Test func kiritimatiAndPagoPagoSeeDifferentDaysForOneInstant() throws {
        let kiritimati = try #require(PeriodCalendar(timeZoneIdentifier: "Pacific/Kiritimati")) // +14:00
        let pagoPago = try #require(PeriodCalendar(timeZoneIdentifier: "Pacific/Pago_Pago")) // -11:00
        let instant = utc(2026, 6, 15, 10)

        let east = kiritimati.period(.day, containing: instant)
        #expect(east.key == "2026-06-16")
        #expect(east.start == utc(2026, 6, 15, 10))
        #expect(east.end == utc(2026, 6, 16, 10))

        let west = pagoPago.period(.day, containing: instant)
        #expect(west.key == "2026-06-14")
        #expect(west.start == utc(2026, 6, 14, 11))
        #expect(west.end == utc(2026, 6, 15, 11))

        #expect(kiritimati.localDate(of: instant) == CivilDate(year: 2026, month: 6, day: 16))
        #expect(pagoPago.localDate(of: instant) == CivilDate(year: 2026, month: 6, day: 14))
    }

    @Test func parisDayBoundsMatchFoundationMidnightsThroughoutTheYear() {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = zone("Europe/Paris")
        var date = gregorian.date(from: DateComponents(year: 2026, month: 1, day: 1, hour: 0))!
        for _ in 0..<400 {
            let components = gregorian.dateComponents([.year, .month, .day], from: date)
            let nextMidnight = gregorian.date(byAdding: .day, value: 1, to: date)!
            let noon = gregorian.date(bySettingHour: 12, minute: 0, second: 0, of: date)!
            let day = paris.period(.day, containing: noon)
            let key = String(format: "%04d-%02d-%02d", components.year!, components.month!, components.day!)
            #expect(day.key == key)
            #expect(day.start == date, "start of \(key)")
            #expect(day.end == nextMidnight, "end of \(key)")
            date = nextMidnight
        }
    }

    @Test func instantAtNoonIsLocalNoon() throws {
        #expect(paris.instant(atNoonOf: CivilDate(year: 2026, month: 3, day: 29)) == utc(2026, 3, 29, 10)) // CEST
        #expect(paris.instant(atNoonOf: CivilDate(year: 2026, month: 1, day: 15)) == utc(2026, 1, 15, 11)) // CET
        let kiritimati = try #require(PeriodCalendar(timeZoneIdentifier: "Pacific/Kiritimati"))
        #expect(kiritimati.instant(atNoonOf: CivilDate(year: 2026, month: 6, day: 16)) == utc(2026, 6, 15, 22))
    }

    // MARK: - Weeks

    @Test(arguments: [
        (2026, 12, 31, "2026-W53"),
        (2027, 1, 1, "2026-W53"),
        (2027, 1, 3, "2026-W53"),
        (2027, 1, 4, "2027-W01"),
        (2024, 12, 30, "2025-W01"),
        (2024, 12, 29, "2024-W52"),
        (2025, 12, 29, "2026-W01"),
        (2021, 1, 3, "2020-W53"),
        (2021, 1, 4, "2021-W01"),
        (2020, 12, 31, "2020-W53"),
        (2026, 11, 20, "2026-W47"),
    ])
    func weekKeyUsesISOWeekYearAtNewYear(year: Int, month: Int, day: Int, key: String) {
        #expect(utcCalendar.period(.week, containing: utc(year, month, day, 12)).key == key)
    }

    @Test func weekAroundNewYearRunsMondayToMonday() {
        let week = utcCalendar.period(.week, containing: utc(2027, 1, 1, 12))
        #expect(week.kind == .week)
        #expect(week.start == utc(2026, 12, 28))
        #expect(week.end == utc(2027, 1, 4))
    }

    @Test func parisWeekContainingFallBackIsOneHourLonger() {
        let week = paris.period(.week, containing: utc(2026, 10, 25, 12))
        #expect(week.key == "2026-W43")
        #expect(week.start == utc(2026, 10, 18, 22)) // Monday 2026-10-19 00:00 +02:00
        #expect(week.end == utc(2026, 10, 25, 23)) // Monday 2026-10-26 00:00 +01:00
        #expect(week.end!.timeIntervalSince(week.start!) == 7 * 86_400 + 3600)
    }

    @Test(arguments: ["UTC", "Europe/Paris", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Sao_Paulo"])
    func weekKeyAndBoundsMatchFoundationISOCalendar(zoneIdentifier: String) throws {
        let calendar = try #require(PeriodCalendar(timeZoneIdentifier: zoneIdentifier))
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = zone(zoneIdentifier)
        iso.firstWeekday = 2
        iso.minimumDaysInFirstWeek = 4
        // Every local day from 2015 to 2034, probed at 12:00 local.
        var date = iso.date(from: DateComponents(year: 2015, month: 1, day: 1, hour: 12))!
        let stop = iso.date(from: DateComponents(year: 2035, month: 1, day: 1, hour: 12))!
        var checked = 0
        while date < stop {
            let components = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            let interval = iso.dateInterval(of: .weekOfYear, for: date)!
            let expectedKey = String(format: "%04d-W%02d", components.yearForWeekOfYear!, components.weekOfYear!)
            let week = calendar.period(.week, containing: date)
            if week.key != expectedKey || week.start != interval.start || week.end != interval.end {
                Issue.record("\(zoneIdentifier) \(date): got \(week.key) \(String(describing: week.start))–\(String(describing: week.end)), expected \(expectedKey) \(interval.start)–\(interval.end)")
            }
            checked += 1
            date = iso.date(byAdding: .day, value: 1, to: date)!
        }
        #expect(checked == 7305)
    }

    // MARK: - Months, quarters, years, all

    @Test func parisMonthQuarterAndYearBounds() {
        let instant = utc(2026, 11, 20, 8, 14)
        let month = paris.period(.month, containing: instant)
        #expect(month.kind == .month)
        #expect(month.key == "2026-11")
        #expect(month.start == utc(2026, 10, 31, 23))
        #expect(month.end == utc(2026, 11, 30, 23))

        let quarter = paris.period(.quarter, containing: instant)
        #expect(quarter.kind == .quarter)
        #expect(quarter.key == "2026-Q4")
        #expect(quarter.start == utc(2026, 9, 30, 22)) // 2026-10-01 00:00 +02:00
        #expect(quarter.end == utc(2026, 12, 31, 23)) // 2027-01-01 00:00 +01:00

        let year = paris.period(.year, containing: instant)
        #expect(year.kind == .year)
        #expect(year.key == "2026")
        #expect(year.start == utc(2025, 12, 31, 23))
        #expect(year.end == utc(2026, 12, 31, 23))
    }

    @Test func parisNewYearsEveInUTCIsAlreadyNextYearLocally() {
        let instant = utc(2026, 12, 31, 23, 30) // 2027-01-01 00:30 +01:00
        #expect(paris.period(.day, containing: instant).key == "2027-01-01")
        #expect(paris.period(.month, containing: instant).key == "2027-01")
        #expect(paris.period(.quarter, containing: instant).key == "2027-Q1")
        #expect(paris.period(.year, containing: instant).key == "2027")
        #expect(utcCalendar.period(.year, containing: instant).key == "2026")
    }

    @Test func monthKeyPadsAndDecemberEndsInJanuary() {
        let january = utcCalendar.period(.month, containing: utc(2026, 1, 31, 23, 59, 59))
        #expect(january.key == "2026-01")
        #expect(january.start == utc(2026, 1, 1))
        #expect(january.end == utc(2026, 2, 1))
        let december = utcCalendar.period(.month, containing: utc(2026, 12, 15))
        #expect(december.key == "2026-12")
        #expect(december.start == utc(2026, 12, 1))
        #expect(december.end == utc(2027, 1, 1))
        let leapFebruary = utcCalendar.period(.month, containing: utc(2024, 2, 29, 12))
        #expect(leapFebruary.key == "2024-02")
        #expect(leapFebruary.end == utc(2024, 3, 1))
    }

    @Test(arguments: [
        (2, "2026-Q1", 1, 4), (3, "2026-Q1", 1, 4),
        (4, "2026-Q2", 4, 7), (6, "2026-Q2", 4, 7),
        (7, "2026-Q3", 7, 10), (9, "2026-Q3", 7, 10),
        (10, "2026-Q4", 10, 13), (12, "2026-Q4", 10, 13),
    ])
    func quarterKeyAndBoundsForEveryMonth(month: Int, key: String, firstMonth: Int, endMonth: Int) {
        let quarter = utcCalendar.period(.quarter, containing: utc(2026, month, 15))
        #expect(quarter.key == key)
        #expect(quarter.start == utc(2026, firstMonth, 1))
        #expect(quarter.end == (endMonth == 13 ? utc(2027, 1, 1) : utc(2026, endMonth, 1)))
    }

    @Test func yearInUTC() {
        let year = utcCalendar.period(.year, containing: utc(2024, 2, 29, 12))
        #expect(year.key == "2024")
        #expect(year.start == utc(2024, 1, 1))
        #expect(year.end == utc(2025, 1, 1))
    }

    @Test func allHasNilBounds() {
        let all = paris.period(.all, containing: utc(2026, 11, 20))
        #expect(all.kind == .all)
        #expect(all.key == "all")
        #expect(all.start == nil)
        #expect(all.end == nil)
        #expect(all == Period.allTime)
    }

    @Test func trackedPeriodsAreEveryKindInOrder() {
        #expect(PeriodKind.tracked == [.day, .week, .month, .quarter, .year, .all])
        let periods = paris.trackedPeriods(containing: utc(2026, 11, 20, 8, 14))
        #expect(periods.map(\.kind) == [.day, .week, .month, .quarter, .year, .all])
        #expect(periods.map(\.key) == ["2026-11-20", "2026-W47", "2026-11", "2026-Q4", "2026", "all"])
        #expect(periods[1].start == utc(2026, 11, 15, 23))
        #expect(periods[1].end == utc(2026, 11, 22, 23))
    }

    @Test func periodKeysHaveDistinctFormats() {
        let keys = PeriodKind.tracked.map { utcCalendar.period($0, containing: utc(2026, 11, 20)).key }
        #expect(keys == ["2026-11-20", "2026-W47", "2026-11", "2026-Q4", "2026", "all"])
        #expect(Set(keys).count == keys.count)
    }

    @Test func aWindowRunsFromTheStartOfItsFirstDayToTheStartOfTheDayAfterItsLast() {
        // 24 October is still summer time in Paris (UTC+2); 26 October is winter time (UTC+1).
        let window = paris.window(.rolling, from: CivilDate(year: 2026, month: 10, day: 24), through: CivilDate(year: 2026, month: 10, day: 26))
        #expect(window.kind == .rolling)
        #expect(window.key == "2026-10-24..2026-10-26")
        #expect(window.start == utc(2026, 10, 23, 22))
        #expect(window.end == utc(2026, 10, 26, 23))
    }

    @Test func isoWeekdayIndexCountsFromMonday() {
        #expect(PeriodCalendar.isoWeekdayIndex(0) == 3) // 1970-01-01 was a Thursday
        #expect(PeriodCalendar.isoWeekdayIndex(-3) == 0) // 1969-12-29, a Monday
        #expect(PeriodCalendar.isoWeekdayIndex(-1) == 2) // 1969-12-31, a Wednesday
        #expect(PeriodCalendar.isoWeekdayIndex(4) == 0) // 1970-01-05, a Monday
        #expect(PeriodCalendar.isoWeekdayIndex(10) == 6) // 1970-01-11, a Sunday
    }
}
