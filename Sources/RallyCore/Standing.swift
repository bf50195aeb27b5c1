import Foundation

/// A leaderboard position: points first, then whoever reached them first, packed into one exact sort key.
///
/// The key is `points × 2³² + (2³² − 1 − t)`, where `t` is how long after the period began the score was
/// reached (milliseconds for a day, week or month; seconds for longer periods, counted from 2000 for all time), so a higher key ranks higher
/// and equal points rank by time. It is exact in a double (what Redis sorted sets store) while |points| < 2²¹;
/// beyond that the time part loses low bits, never the points.
public struct StandingKey: Sendable, Equatable {
    public static let timeSlots: Double = 4_294_967_296 // 2^32
    static let allTimeOrigin = Date(timeIntervalSince1970: 946_684_800) // 2000-01-01T00:00:00Z

    public var value: Double

    public init(value: Double) {
        self.value = value
    }

    /// The key for a score reached at `reachedAt` within `period`.
    public init(points: Int64, reachedAt: Date, period: Period) {
        let unitsPerSecond: Double = [.day, .week, .month].contains(period.kind) ? 1000 : 1
        let elapsed = (reachedAt.timeIntervalSince(period.start ?? Self.allTimeOrigin) * unitsPerSecond).rounded(.down)
        let t = min(max(elapsed, 0), Self.timeSlots - 1)
        let base = Double(points) * Self.timeSlots
        var tie = Self.timeSlots - 1 - t
        // Keep the sum exact: drop the time bits a double cannot hold next to large point totals.
        let spareBits = 53 - (Double(abs(points)) * Self.timeSlots + Self.timeSlots).exponent - 1
        if spareBits < 0 {
            let step = Double(sign: .plus, exponent: -spareBits, significand: 1)
            tie = (tie / step).rounded(.down) * step
        }
        value = base + tie
    }

    /// The points a key was made from.
    public var points: Int64 {
        Int64((value / Self.timeSlots).rounded(.down))
    }

    /// The smallest key of any score strictly above `points`: members at or above it outrank `points`.
    public static func lowestKey(above points: Int64) -> Double {
        Double(points + 1) * timeSlots
    }
}

/// Competition ranking ("1224"): equal points share a rank, the next rank skips the ties.
public enum CompetitionRanking {
    /// Ranks for one page of totals sorted best first, starting at 0-based position `offset` of the whole board,
    /// given the rank of the page's first entry (one more than the number of members with strictly more points).
    public static func ranks(sortedPoints: [Int64], offset: Int, firstRank: Int) -> [Int] {
        var ranks: [Int] = []
        ranks.reserveCapacity(sortedPoints.count)
        for (index, points) in sortedPoints.enumerated() {
            if index == 0 {
                ranks.append(firstRank)
            } else if points == sortedPoints[index - 1] {
                ranks.append(ranks[index - 1])
            } else {
                ranks.append(offset + index + 1)
            }
        }
        return ranks
    }
}
