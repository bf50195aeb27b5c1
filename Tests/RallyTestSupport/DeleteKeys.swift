import Redis

/// Deletes the keys matching `pattern` (a test's namespace, so that the shared Redis database does not grow run after
/// run); answers how many were deleted.
@discardableResult
package func deleteKeys(matching pattern: String, in redis: any RedisClient) async throws -> Int {
    var deleted = 0
    try await redis.scan(matching: pattern, count: 1000) { keys in
        deleted += try await redis.unlink(keys)
    }
    return deleted
}
