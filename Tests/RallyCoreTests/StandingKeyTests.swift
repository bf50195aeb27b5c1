import Foundation
import Testing
@testable import RallyCore

@Suite struct StandingKeyTests {
    static let twoTo32: Double = 4_294_967_296

    // Periods written out by hand (UTC), so these tests do not depend on PeriodCalendar.
    let day = Period(kind: .day, key: "2026-11-20", start: utc(2026, 11, 20), end: utc(2026, 11, 21))
    let month = Period(kind: .month, key: "2026-11", start: utc(2026, 11, 1), end: utc(2026, 12, 1))
    let year = Period(kind: .year, key: "2026", start: utc(2026, 1, 1), end: utc(2027, 1, 1))

    @Test func higherPointsRankHigherWhateverTheTime() {
        let early = StandingKey(points: 10, reachedAt: day.start!, period: day)
        let late = StandingKey(points: 11, reachedAt: day.end!.addingTimeInterval(-0.001), period: day)
        #expect(late.value > early.value)
    }

    @Test func equalPointsReachedEarlierRankHigher() {
        let first = StandingKey(points: 10, reachedAt: utc(2026, 11, 20, 9), period: day)
        let second = StandingKey(points: 10, reachedAt: utc(2026, 11, 20, 9).addingTimeInterval(0.001), period: day)
        #expect(first.value > second.value)
        #expect(StandingKey(points: 10, reachedAt: utc(2026, 11, 20, 9), period: day) == first)
    }

    @Test func negativePointsRankBelowZeroAndStillTieBreakByTime() {
        let zero = StandingKey(points: 0, reachedAt: day.end!.addingTimeInterval(-1), period: day)
        let minusOneEarly = StandingKey(points: -1, reachedAt: day.start!, period: day)
        let minusOneLate = StandingKey(points: -1, reachedAt: utc(2026, 11, 20, 12), period: day)
        #expect(zero.value > minusOneEarly.value)
        #expect(minusOneEarly.value > minusOneLate.value)
    }

    @Test func dayKeyCountsMilliseconds() {
        // 10 points reached 1.5 s into the day: 10 × 2³² + (2³² − 1 − 1500).
        let key = StandingKey(points: 10, reachedAt: utc(2026, 11, 20).addingTimeInterval(1.5), period: day)
        #expect(key.value == 47_244_638_755)
    }

    @Test func monthKeyCountsMillisecondsAcrossTheWholeMonth() {
        // 30 days = 2 592 000 000 ms < 2³²: the last second of the month still has its own time part.
        let last = StandingKey(points: 1, reachedAt: month.end!.addingTimeInterval(-1), period: month)
        #expect(last.value == 2 * Self.twoTo32 - 1 - 2_591_999_000)
    }

    @Test func yearKeyCountsWholeSeconds() {
        let a = StandingKey(points: 7, reachedAt: utc(2026, 1, 1, 0, 0, 10), period: year)
        let b = StandingKey(points: 7, reachedAt: utc(2026, 1, 1, 0, 0, 10).addingTimeInterval(0.9), period: year)
        #expect(a == b)
        #expect(a.value == 8 * Self.twoTo32 - 1 - 10)
    }

    @Test func allTimeCountsSecondsFrom2000() {
        // 3 points reached 100 s after 2000-01-01T00:00:00Z: 3 × 2³² + (2³² − 1 − 100).
        let key = StandingKey(points: 3, reachedAt: utc(2000, 1, 1, 0, 1, 40), period: .allTime)
        #expect(key.value == 17_179_869_083)
        #expect(StandingKey.allTimeOrigin == utc(2000, 1, 1))
    }

    @Test func reachedBeforeThePeriodCountsAsItsStart() {
        let before = StandingKey(points: 5, reachedAt: utc(2026, 11, 19, 23), period: day)
        let atStart = StandingKey(points: 5, reachedAt: day.start!, period: day)
        #expect(before == atStart)
        #expect(atStart.value == 6 * Self.twoTo32 - 1)
    }

    @Test(arguments: [
        Int64(0), 1, -1, -5, 7, 1_000, 2_097_151, 2_097_152, -2_097_152, 3_000_000, -3_000_000,
        1 << 31, 1 << 40, -(1 << 40), 1 << 50,
    ])
    func pointsDecodeExactly(points: Int64) {
        let times = [
            day.start!, utc(2026, 11, 20, 12), day.end!.addingTimeInterval(-0.001), day.end!.addingTimeInterval(3600),
            utc(2026, 11, 19),
        ]
        for reachedAt in times {
            let key = StandingKey(points: points, reachedAt: reachedAt, period: day)
            #expect(key.points == points, "\(points) at \(reachedAt)")
            #expect(StandingKey(value: key.value).points == points)
        }
        for reachedAt in [utc(1999, 1, 1), utc(2000, 1, 1), utc(2026, 11, 20, 8, 14), utc(2135, 1, 1), utc(2200, 1, 1)] {
            #expect(StandingKey(points: points, reachedAt: reachedAt, period: .allTime).points == points)
        }
    }

    @Test func threeMillionPointsKeepExactPointsAndDropOneTimeBit() {
        // (3 000 000 + 1) × 2³² ≥ 2⁵³: the time part is rounded down to even.
        let key = StandingKey(points: 3_000_000, reachedAt: day.start!, period: day)
        let expected: Int64 = 3_000_000 * 4_294_967_296 + 4_294_967_294
        #expect(key.value == Double(exactly: expected))
        #expect(key.points == 3_000_000)
        let oneMsLater = StandingKey(points: 3_000_000, reachedAt: day.start!.addingTimeInterval(0.001), period: day)
        #expect(oneMsLater == key)
        let halfASecondLater = StandingKey(points: 3_000_000, reachedAt: day.start!.addingTimeInterval(0.5), period: day)
        #expect(halfASecondLater.value == key.value - 500)
    }

    @Test func twoToTheFortyPointsKeepExactPointsAndCoarseTime() {
        // (2⁴⁰ + 1) × 2³² has exponent 72: the time part keeps multiples of 2²⁰ ms.
        let points: Int64 = 1 << 40
        let key = StandingKey(points: points, reachedAt: day.start!, period: day)
        #expect(key.value == 0x1p72 + 4_293_918_720) // 2⁷² + (2³² − 2²⁰), exact in a double
        #expect(key.points == points)
        let aMillisecondLater = StandingKey(points: points, reachedAt: day.start!.addingTimeInterval(0.001), period: day)
        #expect(aMillisecondLater == key)
        let anHourLater = StandingKey(points: points, reachedAt: day.start!.addingTimeInterval(3600), period: day)
        #expect(anHourLater.value < key.value)
        #expect(anHourLater.points == points)
        let onePointMore = StandingKey(points: points + 1, reachedAt: day.end!.addingTimeInterval(-0.001), period: day)
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
        for period in [day, month, year, Period.allTime] {
            let start = period.start ?? StandingKey.allTimeOrigin
            let end = period.end ?? utc(2136, 1, 1)
            for reachedAt in [start.addingTimeInterval(-60), start, start.addingTimeInterval(0.001), start.addingTimeInterval(3600.5),
                              end.addingTimeInterval(-1), end.addingTimeInterval(-0.001), end.addingTimeInterval(86_400)] {
                let key = StandingKey(points: points, reachedAt: reachedAt, period: period)
                #expect(key.value < StandingKey.lowestKey(above: points), "\(points) \(period.key) \(reachedAt)")
                #expect(key.value >= StandingKey.lowestKey(above: points - 1), "\(points) \(period.key) \(reachedAt)")
            }
        }
    }

    @Test func keysOrderLikePointsThenTime() {
        // Every (points, time) pair, compared with the order defined by hand.
        let times = [day.start!, utc(2026, 11, 20, 1), utc(2026, 11, 20, 12, 0, 0), utc(2026, 11, 20, 23, 59, 59)]
        let allPoints: [Int64] = [-2, -1, 0, 1, 2, 100]
        let entries: [(Int64, Date)] = allPoints.flatMap { p in times.map { (p, $0) } }
        for (p1, t1) in entries {
            for (p2, t2) in entries {
                let k1 = StandingKey(points: p1, reachedAt: t1, period: day).value
                let k2 = StandingKey(points: p2, reachedAt: t2, period: day).value
                let expectedHigher = p1 > p2 || (p1 == p2 && t1 < t2)
                #expect((k1 > k2) == expectedHigher)
            }
        }
    }
}
