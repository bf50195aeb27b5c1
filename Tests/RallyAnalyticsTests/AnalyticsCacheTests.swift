@testable import RallyAnalytics
import RallyCore
@testable import RallyStorage
import RallyTestSupport
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

    @Test func pinnedAnswersLastUntilTheNextPreparationHoweverLongItRests() throws {
        let clock = ManualClock()
        let cache = Cache(pinnedAtLeast: .seconds(310), clock: clock)
        let changes = ActivityChanges()
        func kept(_ key: Cache.Key) -> Int? { cache.value(for: key, ended: false, months: november, generations: changes.generations(of: "acme")) }
        let small = Cache.Key(program: "acme", question: "participation week:2026-W48")
        cache.store(8, for: key, ended: false, generations: changes.generations(of: "acme"), cost: .seconds(1), size: Cache.large)
        cache.store(3, for: small, ended: false, generations: changes.generations(of: "acme"), cost: .seconds(1), size: 10)
        // The round rested 475 s (19 × 25 s): the pinned answer lasts 485 s, not its own 310; the small one is not pinned.
        cache.keepPinned(for: .seconds(485))
        clock.advance(by: .seconds(480))
        #expect(kept(key) == 8)
        #expect(kept(small) == nil)
        clock.advance(by: .seconds(10))
        #expect(kept(key) == nil)
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
