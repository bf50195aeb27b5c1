import Foundation
import RallyCore
import RallyStorage
import Synchronization

/// How many requests a second each role's keys may send (nil: no limit), each key with a burst of two seconds' worth;
/// a key may have its own limit instead, up to `keyMaximum`.
public struct RateLimits: Sendable, Equatable {
    public var perSecond: [KeyRole: Int]
    /// The most a key's own limit may be (`RALLY_KEY_RATE_LIMIT_MAX`).
    public var keyMaximum = 100_000

    public static let standard = RateLimits(perSecond: [.ingest: 1000, .read: 200, .admin: 20])

    public init(perSecond: [KeyRole: Int]) {
        self.perSecond = perSecond
    }

    /// A key's limit, in requests a second: its own (never above `keyMaximum`), or its role's (nil: none).
    func perSecond(for key: ProgramKey) -> Int? {
        key.rateLimit.map { min($0, keyMaximum) } ?? perSecond[key.role]
    }

    /// Reads `ingest=1000,read=200,admin=20` (0: no limit for that role; a role left out keeps its standard limit).
    public init?(parsing text: String) {
        var limits = Self.standard.perSecond
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let role = KeyRole(rawValue: pair[0]), let value = Int(pair[1]), (0...1_000_000).contains(value) else { return nil }
            limits[role] = value == 0 ? nil : value
        }
        perSecond = limits
    }
}

/// Per-key token buckets, on this instance: a key may send its own rate or its role's a second, and twice that at once
/// after a quiet spell; beyond, a 429 says in `Retry-After` when to try again. The operator token is never limited.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let limits: RateLimits
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: any ServiceClock

    init(limits: RateLimits, clock: any ServiceClock) {
        self.limits = limits
        self.clock = clock
    }

    /// Takes one request from the caller's bucket, or throws 429.
    func admit(_ principal: Principal?) throws {
        guard case let .programKey(key) = principal, let rate = limits.perSecond(for: key).map(Double.init) else { return }
        let now = clock.now
        let wait: Double? = buckets.withLock { buckets in
            var bucket = buckets[key.id] ?? Bucket(tokens: 2 * rate, updated: now)
            bucket.tokens = min(2 * rate, bucket.tokens + (now - bucket.updated) / .seconds(1) * rate)
            bucket.updated = now
            defer { buckets[key.id] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
        if let wait {
            let seconds = max(1, Int(wait.rounded(.up)))
            throw RallyError(.rateLimited, "this key sent more than \(Int(rate)) requests a second; retry in \(seconds) s",
                             headers: ["Retry-After": String(seconds)])
        }
    }
}
