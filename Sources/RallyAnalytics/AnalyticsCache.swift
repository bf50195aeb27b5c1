import RallyStorage
import Synchronization

/// Analytics answers as this instance computed them (participation per period, satisfaction per window).
///
/// What covers only days already over changes only by a change to those days (a backdated event, a retraction): it is
/// kept while this instance made none to a day of its months, and ten minutes at most (another instance's: computing a year of a
/// large program's months again costs seconds). What covers today
/// changes with every event: it is kept while this instance changed nothing in the program, and two seconds at most
/// (another instance's changes) — unless it is large (10,000 members or answers counted, or more), when it is kept
/// whatever changes for ten times as long as it took (and at least until the next time it is prepared in the
/// background), so that a dashboard read over and over never costs more than a tenth of a core; it then shows changes
/// that much later. A large answer the scheduler's leader prepared (`prepared_answers`) is kept as long as PostgreSQL
/// says it is good.
final class AnalyticsCache<Value: Sendable>: Sendable {
    struct Key: Hashable {
        var program: String
        var question: String
    }

    private struct Entry {
        var value: Value
        var generations: ActivityChanges.Generations
        var expires: ContinuousClock.Instant
        var pinned: Bool
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let capacity: Int
    /// How many members or answers make an answer about today large.
    let large: Int
    private let pinnedAtLeast: Duration
    private let clock: any ServiceClock
    static var endedLifetime: Duration { .seconds(600) }
    static var openLifetime: Duration { .seconds(2) }
    static var large: Int { 10_000 }

    init(capacity: Int = 20_000, large: Int? = nil, pinnedAtLeast: Duration = openLifetime, clock: any ServiceClock = ContinuousClock()) {
        self.capacity = capacity
        self.large = large ?? Self.large
        self.pinnedAtLeast = pinnedAtLeast
        self.clock = clock
    }

    /// The answer under `key`, if still good: one about days already over (`ended`, covering `months`) while no day of
    /// those months changed; one about today while nothing in the program changed (or while a large one is pinned).
    func value(for key: Key, ended: Bool, months: [Int], generations: ActivityChanges.Generations) -> Value? {
        let now = clock.now
        return entries.withLock { entries in
            guard let entry = entries[key], entry.expires > now else { return nil }
            let current = ended ? generations.pastUnchanged(since: entry.generations, in: months) : entry.generations == generations
            return current || entry.pinned ? entry.value : nil
        }
    }

    /// Keeps every pinned answer at least `duration` from now: until the background prepares them again, however long
    /// its pacing makes it rest.
    func keepPinned(for duration: Duration) {
        let until = clock.now + duration
        entries.withLock { entries in
            for (key, entry) in entries where entry.pinned && entry.expires < until {
                entries[key]?.expires = until
            }
        }
    }

    /// `cost`: what computing the answer took; `size`: how many members or answers it counts.
    func store(_ value: Value, for key: Key, ended: Bool, generations: ActivityChanges.Generations, cost: Duration, size: Int) {
        let pinned = !ended && size >= large
        let lifetime = ended ? Self.endedLifetime : pinned ? max(pinnedAtLeast, cost * 10) : Self.openLifetime
        keep(value, for: key, generations: generations, lifetime: lifetime, pinned: pinned)
    }

    /// Keeps a large answer about today prepared by the scheduler's leader for as long as it is good (`lifetime`).
    func storePrepared(_ value: Value, for key: Key, generations: ActivityChanges.Generations, lifetime: Duration) {
        keep(value, for: key, generations: generations, lifetime: lifetime, pinned: true)
    }

    private func keep(_ value: Value, for key: Key, generations: ActivityChanges.Generations, lifetime: Duration, pinned: Bool) {
        let expires = clock.now + lifetime
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, generations: generations, expires: expires, pinned: pinned)
        }
    }
}
