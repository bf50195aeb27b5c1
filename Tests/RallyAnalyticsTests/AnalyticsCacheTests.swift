@testable import RallyAnalytics
import RallyCore
@testable import RallyStorage
import Testing

/// What analytics answers kept in memory are good for: past days' until this instance changes past days, today's until
/// it changes anything, a large program's today for ten times its cost whatever changes.
@Suite struct AnalyticsCacheTests {
    typealias Cache = AnalyticsCache<Int>
    let key = Cache.Key(program: "acme", question: "participation month:2026-11")

    let november = [CivilDate(year: 2026, month: 11, day: 1).monthIndex]

    @Test func answersOfDaysOverLastUntilADayOfTheirMonthsChanges() {
        let cache = Cache()
        let changes = ActivityChanges()
        func kept() -> Int? { cache.value(for: key, ended: true, months: november, generations: changes.generations(of: "acme")) }
        cache.store(7, for: key, ended: true, generations: changes.generations(of: "acme"), cost: .milliseconds(5), size: 20)
        changes.changed(["acme"])
        #expect(kept() == 7)
        changes.changed(["other"], pastDays: ["other": [CivilDate(year: 2026, month: 11, day: 3)]])
        #expect(kept() == 7)
        changes.changed(["acme"], pastDays: ["acme": [CivilDate(year: 2026, month: 10, day: 31)]])
        #expect(kept() == 7)
        changes.changed(["acme"], pastDays: ["acme": [CivilDate(year: 2026, month: 11, day: 30)]])
        #expect(kept() == nil)
    }

    @Test func answersOfTodayLastUntilAnyChangeUnlessLarge() {
        let cache = Cache()
        let changes = ActivityChanges()
        cache.store(7, for: key, ended: false, generations: changes.generations(of: "acme"), cost: .milliseconds(5), size: Cache.large - 1)
        func kept() -> Int? { cache.value(for: key, ended: false, months: november, generations: changes.generations(of: "acme")) }
        #expect(kept() == 7)
        changes.changed(["acme"])
        #expect(kept() == nil)
        cache.store(8, for: key, ended: false, generations: changes.generations(of: "acme"), cost: .milliseconds(5), size: Cache.large)
        changes.changed(["acme"], pastDays: ["acme": [CivilDate(year: 2026, month: 11, day: 3)]])
        #expect(kept() == 8)
    }
}
