import Foundation
import Logging
import RallyCore
import RallyLeaderboards
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

/// Per-key token buckets shared by every instance: a key may send its own rate or its role's a second, and twice that
/// at once after a quiet spell; beyond, a 429 says in `Retry-After` when to try again. The operator token is never
/// limited.
///
/// The bucket lives in Redis (`Leaderboards.takeRateTokens`, refilled by the time of day, which NTP keeps alike across
/// hosts). An instance takes tokens from it a twentieth of the key's rate at a time, one take at a time per key (the
/// requests that come meanwhile wait for it), and spends them locally: a busy key costs one Redis call per twentieth
/// of a second's worth of requests, and the tokens an instance holds unspent — all that can be refused while the
/// bucket still had them — stay under 5% of the rate. No instance admits a request without its token: together they
/// never exceed the rate. Once the bucket is found empty, the instance refuses the key's requests by itself until the
/// bucket has a token again. While Redis cannot be reached (for a second after a take failed), each instance limits on
/// its own (N instances then allow N times the rate).
final class RateLimiter: Sendable {
    private let limits: RateLimits
    private let clock: any ServiceClock
    /// Where the shared buckets are.
    private let buckets: Leaderboards
    private let logger: Logger
    /// What this instance knows of each key's shared bucket, by key id.
    private let shares = Mutex<[String: Share]>([:])
    /// The buckets of this instance alone, used while Redis cannot be reached.
    private let local = Mutex<[String: LocalBucket]>([:])
    private let lastWarning = Mutex<ContinuousClock.Instant?>(nil)
    /// Until when the instance counts alone after Redis failed a take (requests do not each wait for Redis to fail).
    private let aloneUntil = Mutex<ContinuousClock.Instant?>(nil)

    /// Tokens taken from a key's shared bucket and not yet spent (dropped after `holding`), whether a take is under
    /// way (and who waits for it), and until when the bucket is known to be empty.
    private struct Share {
        var tokens = 0
        var heldUntil: ContinuousClock.Instant
        var taking = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var emptyUntil: ContinuousClock.Instant?
    }

    private struct LocalBucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// How long tokens taken from the shared bucket may wait here to be spent: past that they are dropped (a key gone
    /// quiet does not keep what another instance could use).
    static let holding: Duration = .seconds(1)

    init(limits: RateLimits, clock: any ServiceClock, buckets: Leaderboards, logger: Logger) {
        self.limits = limits
        self.clock = clock
        self.buckets = buckets
        self.logger = logger
    }

    /// What a request finds of its key's share: a token spent, the bucket empty (seconds to wait), a take to wait
    /// for, or its own take to make.
    private enum Turn {
        case admitted
        case refused(Double)
        case wait
        case take
    }

    /// Takes one request's token for the caller, or throws 429.
    func admit(_ principal: Principal?) async throws {
        guard case let .programKey(key) = principal, let rate = limits.perSecond(for: key) else { return }
        if let alone = aloneUntil.withLock({ $0 }), alone > ContinuousClock.now {
            return try Self.refuseIf(takeLocal(key, rate: Double(rate), now: clock.now), rate: rate)
        }
        while true {
            let now = clock.now
            let turn = shares.withLock { shares -> Turn in
                var share = shares[key.id] ?? Share(heldUntil: now)
                defer { shares[key.id] = share }
                if share.heldUntil <= now { share.tokens = 0 }
                if share.tokens > 0 {
                    share.tokens -= 1
                    return .admitted
                }
                if let empty = share.emptyUntil, empty > now { return .refused((empty - now) / .seconds(1)) }
                if share.taking { return .wait }
                share.taking = true
                return .take
            }
            switch turn {
            case .admitted: return
            case let .refused(wait): return try Self.refuseIf(wait, rate: rate)
            case .wait:
                await withCheckedContinuation { continuation in
                    let late = shares.withLock { shares in
                        guard shares[key.id]?.taking == true else { return true }
                        shares[key.id]?.waiting.append(continuation)
                        return false
                    }
                    if late { continuation.resume() }
                }
            case .take:
                let wait: Double?
                do {
                    wait = try await takeShared(key, rate: rate, now: now)
                } catch {
                    aloneUntil.withLock { $0 = ContinuousClock.now + .seconds(1) }
                    finishTake(key, granted: 0, emptyFor: nil, now: now)
                    warnOnce(error)
                    return try Self.refuseIf(takeLocal(key, rate: Double(rate), now: now), rate: rate)
                }
                return try Self.refuseIf(wait, rate: rate)
            }
        }
    }

    private static func refuseIf(_ wait: Double?, rate: Int) throws {
        guard let wait else { return }
        let seconds = max(1, Int(wait.rounded(.up)))
        throw RallyError(.rateLimited, "this key sent more than \(rate) requests a second; retry in \(seconds) s",
                         headers: ["Retry-After": String(seconds)])
    }

    /// Takes up to a twentieth of the rate's tokens from the shared bucket: one is spent now, the rest held here. Nil
    /// when one was had, else the seconds until the bucket holds one again.
    private func takeShared(_ key: ProgramKey, rate: Int, now: ContinuousClock.Instant) async throws -> Double? {
        let taken = try await buckets.takeRateTokens(program: key.programId, keyId: key.id, rate: rate, wanted: max(1, rate / 20), at: clock.wallTime)
        let wait: Duration? = taken.granted > 0 ? nil : .milliseconds(taken.waitMilliseconds)
        finishTake(key, granted: taken.granted, emptyFor: wait, now: now)
        return wait.map { $0 / .seconds(1) }
    }

    /// Ends a take: the tokens it got beyond the one spent are held, the bucket is known empty for `emptyFor`, and the
    /// requests that waited for it try again.
    private func finishTake(_ key: ProgramKey, granted: Int, emptyFor: Duration?, now: ContinuousClock.Instant) {
        let waiting = shares.withLock { shares in
            guard var share = shares[key.id] else { return [CheckedContinuation<Void, Never>]() }
            share.taking = false
            if granted > 1 {
                share.tokens += granted - 1
                share.heldUntil = now + Self.holding
            }
            share.emptyUntil = emptyFor.map { now + $0 }
            defer {
                share.waiting = []
                shares[key.id] = share
            }
            return share.waiting
        }
        waiting.forEach { $0.resume() }
    }

    /// This instance's own bucket: nil when it had a token, else the seconds until it has one.
    private func takeLocal(_ key: ProgramKey, rate: Double, now: ContinuousClock.Instant) -> Double? {
        local.withLock { buckets in
            var bucket = buckets[key.id] ?? LocalBucket(tokens: 2 * rate, updated: now)
            bucket.tokens = min(2 * rate, bucket.tokens + (now - bucket.updated) / .seconds(1) * rate)
            bucket.updated = now
            defer { buckets[key.id] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Says once a minute at most that the limits are counted per instance for now.
    private func warnOnce(_ error: any Error) {
        let now = ContinuousClock.now
        let due = lastWarning.withLock { last in
            guard last.map({ now - $0 >= .seconds(60) }) ?? true else { return false }
            last = now
            return true
        }
        if due { logger.warning("rate limits are counted by this instance alone while Redis cannot be reached", metadata: ["error": "\(error)"]) }
    }
}
