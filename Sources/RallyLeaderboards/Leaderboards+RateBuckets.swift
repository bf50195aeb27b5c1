import Foundation
import Redis

/// The rate limits' token buckets, one per key, shared by every instance (the server's `RateLimiter` spends them).
extension Leaderboards {
    /// Takes up to `wanted` tokens from the bucket of `keyId` (capacity two seconds' worth of `rate`, refilled by the
    /// time of day `at`): how many were given and, when none, the milliseconds until one is there.
    public func takeRateTokens(program: String, keyId: String, rate: Int, wanted: Int, at time: Date) async throws
        -> (granted: Int, waitMilliseconds: Int)
    {
        let milliseconds = Int64((time.timeIntervalSince1970 * 1000).rounded(.down))
        let reply = try await evaluate(RedisScripts.takeTokensDigest, keys: [keys.rateBucket(program: program, keyId: keyId)],
                                       arguments: [String(rate), String(2 * rate), String(wanted), String(milliseconds)])
        guard case let .array(parts) = reply, parts.count == 2, let granted = parts[0].int, let wait = parts[1].int else {
            throw RedisError(kind: .protocolError, message: "the rate script answered \(reply)")
        }
        return (granted, wait)
    }
}
