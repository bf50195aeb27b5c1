import Synchronization

/// What was derived from a leaderboard page (its JSON, its HTML), reused while the page's revision is the same: busy
/// boards are read far more often than they change. A new revision replaces a key's value; the whole set goes when it
/// grows past `capacity`.
final class RenderedByRevision<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = Mutex<[Key: (revision: UInt64, value: Value)]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The value derived from revision `revision` under `key`; `render` derives it when it is not kept. Revision 0 (a page
    /// read without one) is never kept.
    func value(revision: UInt64, key: Key, render: () throws -> Value) rethrows -> Value {
        if revision != 0, let hit = values.withLock({ $0[key] }), hit.revision == revision { return hit.value }
        let value = try render()
        guard revision != 0 else { return value }
        values.withLock { values in
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[key] = (revision, value)
        }
        return value
    }
}
