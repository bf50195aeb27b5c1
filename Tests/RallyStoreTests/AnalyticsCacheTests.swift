import Testing
@testable import RallyStore

/// What analytics answers kept in memory are good for: past days' until this instance changes past days, today's until
/// it changes anything, a large program's today for ten times its cost whatever changes.
@Suite struct AnalyticsCacheTests {
    typealias Cache = AnalyticsCache<Int>
    let key = Cache.Key(program: "acme", question: "participation month:2026-11")

    @Test func answersOfDaysOverLastUntilAPastDayChanges() {
        let cache = Cache()
        let changes = ActivityChanges()
        cache.store(7, for: key, ended: true, generations: changes.generations(of: "acme"), cost: .milliseconds(5), size: 20)
        changes.changed(["acme"], past: false)
        #expect(cache.value(for: key, ended: true, generations: changes.generations(of: "acme")) == 7)
        changes.changed(["other"], past: true)
        #expect(cache.value(for: key, ended: true, generations: changes.generations(of: "acme")) == 7)
        changes.changed(["acme"], past: true)
        #expect(cache.value(for: key, ended: true, generations: changes.generations(of: "acme")) == nil)
    }

    @Test func answersOfTodayLastUntilAnyChangeUnlessLarge() {
        let cache = Cache()
        let changes = ActivityChanges()
        cache.store(7, for: key, ended: false, generations: changes.generations(of: "acme"), cost: .milliseconds(5), size: Cache.large - 1)
        #expect(cache.value(for: key, ended: false, generations: changes.generations(of: "acme")) == 7)
        changes.changed(["acme"], past: false)
        #expect(cache.value(for: key, ended: false, generations: changes.generations(of: "acme")) == nil)
        cache.store(8, for: key, ended: false, generations: changes.generations(of: "acme"), cost: .milliseconds(5), size: Cache.large)
        changes.changed(["acme"], past: true)
        #expect(cache.value(for: key, ended: false, generations: changes.generations(of: "acme")) == 8)
    }
}
