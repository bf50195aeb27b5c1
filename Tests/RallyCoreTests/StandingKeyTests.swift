import Testing
@testable import RallyCore

@Suite struct StandingKeyTests {
    static let twoTo32: Double = 4_294_967_296

    @Test func higherPointsRankHigherWhateverTheSequence() {
        let early = StandingKey(points: 10, sequence: 1)
        let late = StandingKey(points: 11, sequence: 4_000_000_000)
        #expect(late.value > early.value)
    }

    @Test func equalPointsSetEarlierRankHigher() {
        let first = StandingKey(points: 10, sequence: 41)
        let second = StandingKey(points: 10, sequence: 42)
        #expect(first.value > second.value)
        #expect(StandingKey(points: 10, sequence: 41) == first)
    }

    @Test func negativePointsRankBelowZeroAndStillTieBreakBySequence() {
        let zero = StandingKey(points: 0, sequence: 1_000)
        let minusOneEarly = StandingKey(points: -1, sequence: 1)
        let minusOneLate = StandingKey(points: -1, sequence: 2)
        #expect(zero.value > minusOneEarly.value)
        #expect(minusOneEarly.value > minusOneLate.value)
    }

    @Test func keyIsPointsTimesTwoTo32PlusTheRemainingSlots() {
        // 10 points set by the board's 1500th update: 10 × 2³² + (2³² − 1 − 1500).
        #expect(StandingKey(points: 10, sequence: 1500).value == 47_244_638_755)
        // 3 points, first update: 3 × 2³² + 2³² − 2.
        #expect(StandingKey(points: 3, sequence: 1).value == 17_179_869_182)
    }

    @Test func sequencesOutsideTheSlotsAreClamped() {
        #expect(StandingKey(points: 5, sequence: -7) == StandingKey(points: 5, sequence: 0))
        #expect(StandingKey(points: 5, sequence: 0).value == 6 * Self.twoTo32 - 1)
        #expect(StandingKey(points: 5, sequence: 1 << 40) == StandingKey(points: 5, sequence: (1 << 32) - 1))
        #expect(StandingKey(points: 5, sequence: 1 << 40).value == 5 * Self.twoTo32)
    }

    @Test(arguments: [
        Int64(0), 1, -1, -5, 7, 1_000, 2_097_151, 2_097_152, -2_097_152, 3_000_000, -3_000_000,
        1 << 31, 1 << 40, -(1 << 40), 1 << 50,
    ])
    func pointsDecodeExactly(points: Int64) {
        for sequence: Int64 in [0, 1, 2, 1_000_000, (1 << 32) - 2, (1 << 32) - 1, 1 << 33] {
            let key = StandingKey(points: points, sequence: sequence)
            #expect(key.points == points, "\(points) at \(sequence)")
            #expect(StandingKey(value: key.value).points == points)
        }
    }

    @Test func threeMillionPointsKeepExactPointsAndDropOneTieBit() {
        // (3 000 000 + 1) × 2³² ≥ 2⁵³: the tie part is rounded down to even.
        let key = StandingKey(points: 3_000_000, sequence: 0)
        let expected: Int64 = 3_000_000 * 4_294_967_296 + 4_294_967_294
        #expect(key.value == Double(exactly: expected))
        #expect(key.points == 3_000_000)
        #expect(StandingKey(points: 3_000_000, sequence: 1) == key)
        #expect(StandingKey(points: 3_000_000, sequence: 500).value == key.value - 500)
    }

    @Test func twoToTheFortyPointsKeepExactPointsAndCoarseTies() {
        // (2⁴⁰ + 1) × 2³² has exponent 72: the tie part keeps multiples of 2²⁰.
        let points: Int64 = 1 << 40
        let key = StandingKey(points: points, sequence: 0)
        #expect(key.value == 0x1p72 + 4_293_918_720) // 2⁷² + (2³² − 2²⁰), exact in a double
        #expect(key.points == points)
        #expect(StandingKey(points: points, sequence: 1) == key)
        let muchLater = StandingKey(points: points, sequence: 3_600_000)
        #expect(muchLater.value < key.value)
        #expect(muchLater.points == points)
        let onePointMore = StandingKey(points: points + 1, sequence: (1 << 32) - 1)
        #expect(onePointMore.value > key.value)
        #expect(onePointMore.points == points + 1)
    }

    @Test func lowestKeyAboveIsTheNextPointsTimesTwoTo32() {
        #expect(StandingKey.lowestKey(above: 10) == 47_244_640_256)
        #expect(StandingKey.lowestKey(above: 0) == Self.twoTo32)
        #expect(StandingKey.lowestKey(above: -1) == 0)
        #expect(StandingKey.lowestKey(above: -3) == -2 * Self.twoTo32)
    }

    @Test(arguments: [Int64(0), 1, 10, -1, -3, 2_097_151, 3_000_000, -3_000_000, 1 << 40, -(1 << 40)])
    func keyLiesBetweenLowestKeysAboveOneLessAndAboveItself(points: Int64) {
        for sequence: Int64 in [-60, 0, 1, 3600, (1 << 32) - 2, (1 << 32) - 1, 1 << 36] {
            let key = StandingKey(points: points, sequence: sequence)
            #expect(key.value < StandingKey.lowestKey(above: points), "\(points) \(sequence)")
            #expect(key.value >= StandingKey.lowestKey(above: points - 1), "\(points) \(sequence)")
        }
    }

    @Test func keysOrderLikePointsThenSequence() {
        // Every (points, sequence) pair, compared with the order defined by hand.
        let sequences: [Int64] = [1, 2, 1_000, 4_000_000_000]
        let allPoints: [Int64] = [-2, -1, 0, 1, 2, 100]
        let entries = allPoints.flatMap { p in sequences.map { (p, $0) } }
        for (p1, s1) in entries {
            for (p2, s2) in entries {
                let k1 = StandingKey(points: p1, sequence: s1).value
                let k2 = StandingKey(points: p2, sequence: s2).value
                #expect((k1 > k2) == (p1 > p2 || (p1 == p2 && s1 < s2)))
            }
        }
    }
}
