import Foundation
import RallyCore

extension Leaderboards {
    /// Deletes the boards (and their counters) of periods past keeping in every program, whatever its time zone
    /// (`BoardRetention.hasExpired`): nothing writes or reads them any more. Returns how many keys went.
    @discardableResult
    package func pruneExpiredBoards(now: Date = Date()) async throws -> Int {
        let utcToday = PeriodCalendar(timeZone: .gmt).localDate(of: now)
        var pruned = 0
        for pattern in keys.boardPatterns {
            pruned += try await deleteKeys(matching: pattern) { [keys, retention] key in
                keys.parse(key).map { retention.hasExpired(periodKey: $0.period, utcToday: utcToday) } ?? false
            }
        }
        return pruned
    }
}
