/// A leaderboard position: points first, then whoever reached them first, packed into one exact sort key.
///
/// The key is `points × 2³² + (2³² − 1 − sequence)`, where `sequence` counts the updates of the period's boards
/// (1 for the first total ever set; a member's update in each of their scopes takes one number): a higher key ranks
/// higher, and among equal points the total set earlier ranks higher. Counting updates instead of clock time keeps
/// ties exact however close together or late (a backfilled event) they arrive. The key is exact in a double (what
/// Redis sorted sets store) while |points| < 2²¹ and the period has had fewer than 2³² updates; beyond that the
/// tie-break loses low bits, never the points.
public struct StandingKey: Sendable, Equatable {
    public static let sequenceSlots: Double = 4_294_967_296 // 2^32

    public var value: Double

    public init(value: Double) {
        self.value = value
    }

    /// The key for a total set by the board's `sequence`-th update.
    public init(points: Int64, sequence: Int64) {
        let slot = min(max(Double(sequence), 0), Self.sequenceSlots - 1)
        var tie = Self.sequenceSlots - 1 - slot
        // Keep the sum exact: drop the tie-break bits a double cannot hold next to large point totals.
        let spareBits = 53 - (Double(abs(points)) * Self.sequenceSlots + Self.sequenceSlots).exponent - 1
        if spareBits < 0 {
            let step = Double(sign: .plus, exponent: -spareBits, significand: 1)
            tie = (tie / step).rounded(.down) * step
        }
        value = Double(points) * Self.sequenceSlots + tie
    }

    /// The points a key was made from.
    public var points: Int64 {
        Int64((value / Self.sequenceSlots).rounded(.down))
    }

    /// The smallest key of any score strictly above `points`: members at or above it outrank `points`.
    public static func lowestKey(above points: Int64) -> Double {
        Double(points + 1) * sequenceSlots
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
