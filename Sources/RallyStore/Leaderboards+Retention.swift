import Foundation
import RallyCore

extension Leaderboards {
    /// Deletes the boards (and their counters) of periods past keeping in every program, whatever its time zone
    /// (`BoardRetention.hasExpired`): nothing writes or reads them any more. Returns how many keys went.
    @discardableResult
    func pruneExpiredBoards(now: Date = Date()) async throws -> Int {
        let utcToday = PeriodCalendar(timeZone: .gmt).localDate(of: now)
        var pruned = 0
        for pattern in keys.boardPatterns {
            var cursor = "0"
            repeat {
                let reply = try await redis.send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])
                let parts = reply.array ?? []
                cursor = parts.first?.string ?? "0"
                let expired = (parts.count > 1 ? (parts[1].array ?? []).compactMap(\.string) : []).filter { key in
                    retention.hasExpired(periodKey: String(key.split(separator: "/").last ?? ""), utcToday: utcToday)
                }
                if !expired.isEmpty {
                    _ = try await redis.send(["UNLINK"] + expired)
                    pruned += expired.count
                }
            } while cursor != "0"
        }
        return pruned
    }
}
