import Redis

/// Deletes the keys matching `pattern` (a test's namespace, so that the shared Redis database does not grow run after
/// run); answers how many were deleted.
@discardableResult
package func deleteKeys(matching pattern: String, in redis: RedisPool) async throws -> Int {
    var cursor = "0"
    var deleted = 0
    repeat {
        let reply = try await redis.send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])
        cursor = reply.array?.first?.string ?? "0"
        let keys = (reply.array?.dropFirst().first?.array ?? []).compactMap(\.string)
        if !keys.isEmpty { deleted += try await redis.send(["UNLINK"] + keys).int ?? 0 }
    } while cursor != "0"
    return deleted
}
