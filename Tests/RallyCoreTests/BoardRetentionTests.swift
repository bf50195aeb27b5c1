import Testing
@testable import RallyCore

@Suite("Board retention")
struct BoardRetentionTests {
    static func date(_ text: String) -> CivilDate { CivilDate.parse(text)! }

    @Test func theOldestKeptPeriodOfEachKindStartsWhereExpected() {
        let retention = BoardRetention.standard
        let today = Self.date("2026-02-11") // a Wednesday
        #expect(retention.firstKeptDay(.day, today: today) == Self.date("2026-01-08")) // 35 days, today included
        #expect(retention.firstKeptDay(.week, today: today) == Self.date("2025-11-17")) // the Monday 12 weeks before this one
        #expect(retention.firstKeptDay(.month, today: today) == Self.date("2025-02-01"))
        #expect(retention.firstKeptDay(.quarter, today: today) == Self.date("2025-01-01")) // 2026-Q1 and the 4 before it
        #expect(retention.firstKeptDay(.year, today: today) == Self.date("2025-01-01"))
        #expect(retention.firstKeptDay(.all, today: today) == nil)
        let one = BoardRetention(periods: [.day: 1, .week: 1, .month: 1, .quarter: 1, .year: 1])
        #expect(one.firstKeptDay(.week, today: today) == Self.date("2026-02-09"))
        #expect(one.firstKeptDay(.quarter, today: Self.date("2026-12-31")) == Self.date("2026-10-01"))
        #expect(BoardRetention(periods: [.month: 25]).firstKeptDay(.month, today: today) == Self.date("2024-02-01"))
    }

    @Test func periodsAreKeptFromTheirFirstDay() {
        let retention = BoardRetention.standard
        let today = Self.date("2026-02-11")
        #expect(retention.keeps(periodKey: "2026-01-08", today: today))
        #expect(!retention.keeps(periodKey: "2026-01-07", today: today))
        #expect(retention.keeps(periodKey: "2025-W47", today: today)) // starts Monday 2025-11-17
        #expect(!retention.keeps(periodKey: "2025-W46", today: today))
        #expect(retention.keeps(periodKey: "2025-02", today: today) && !retention.keeps(periodKey: "2025-01", today: today))
        #expect(retention.keeps(periodKey: "2025-Q1", today: today) && !retention.keeps(periodKey: "2024-Q4", today: today))
        #expect(retention.keeps(periodKey: "2025", today: today) && !retention.keeps(periodKey: "2024", today: today))
        #expect(retention.keeps(periodKey: "all", today: today))
    }

    @Test func keysAreReadBackToTheirFirstDay() {
        #expect(BoardRetention.start(ofKey: "2026-W01")?.1 == Self.date("2025-12-29")) // ISO week 1 of 2026 starts in 2025
        #expect(BoardRetention.start(ofKey: "2020-W53")?.1 == Self.date("2020-12-28"))
        #expect(BoardRetention.start(ofKey: "2026-Q4")?.1 == Self.date("2026-10-01"))
        #expect(BoardRetention.start(ofKey: "2026-11")?.1 == Self.date("2026-11-01"))
        #expect(BoardRetention.start(ofKey: "2026")?.1 == Self.date("2026-01-01"))
        #expect(BoardRetention.start(ofKey: "2026-02-29") == nil)
        for key in ["all", "2026-W54", "2026-Q5", "2026-13", "26", ""] { #expect(BoardRetention.start(ofKey: key) == nil, "\(key)") }
    }

    @Test func boardsExpireOnlyWhenNoTimeZoneStillKeepsThem() {
        let retention = BoardRetention.standard
        let utcToday = Self.date("2026-02-11")
        // A zone a day behind UTC still keeps 2026-01-07's board; 2026-01-06's is past keeping everywhere.
        #expect(!retention.hasExpired(periodKey: "2026-01-07", utcToday: utcToday))
        #expect(retention.hasExpired(periodKey: "2026-01-06", utcToday: utcToday))
        #expect(retention.hasExpired(periodKey: "2024-Q4", utcToday: utcToday))
        #expect(!retention.hasExpired(periodKey: "all", utcToday: utcToday))
        #expect(!retention.hasExpired(periodKey: "2026", utcToday: utcToday))
    }

    @Test func retentionIsReadFromConfiguration() {
        #expect(BoardRetention(parsing: "day=40, week=20")?.periods == [.day: 40, .week: 20, .month: 13, .quarter: 5, .year: 2])
        #expect(BoardRetention(parsing: BoardRetention.standard.description) == .standard)
        for text in ["day=0", "hour=3", "day", "week=x", "all=3", "day=10001"] { #expect(BoardRetention(parsing: text) == nil, "\(text)") }
    }
}
