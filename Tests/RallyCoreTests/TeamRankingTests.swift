import Foundation
import RallyCore
import Testing

@Suite("Team ranking")
struct TeamRankingTests {
    static let early = Date(timeIntervalSince1970: 1_000)
    static let late = Date(timeIntervalSince1970: 2_000)

    @Test func equalScoresShareARankAndWhoeverGotThereFirstLeads() {
        let totals = [TeamTotal(team: "b", points: 30, members: 3, reachedAt: Self.late),
                      TeamTotal(team: "a", points: 30, members: 2, reachedAt: Self.late),
                      TeamTotal(team: "c", points: 30, members: 1, reachedAt: Self.early),
                      TeamTotal(team: "d", points: 0, members: 4, reachedAt: nil),
                      TeamTotal(team: "e", points: 0, members: 1, reachedAt: Self.early),
                      TeamTotal(team: "f", points: 50, members: 10, reachedAt: Self.late)]
        #expect(TeamRanking.rank(totals, by: .total).map { "\($0.rank) \($0.team)" } == ["1 f", "2 c", "2 a", "2 b", "5 e", "5 d"])
        // Per member: c 30.00, a 15.00, b 10.00, f 5.00, then the two zeros.
        #expect(TeamRanking.rank(totals, by: .perMember).map { "\($0.rank) \($0.team) \($0.score)" }
            == ["1 c 3000", "2 a 1500", "3 b 1000", "4 f 500", "5 e 0", "5 d 0"])
    }

    @Test(arguments: [(61, 3, 2033), (25, 3, 833), (2, 3, 67), (1, 8, 13), (1, 200, 1), (1, 201, 0), (-2, 3, -67), (-1, 8, -13), (7, 0, 0)])
    func perMemberIsRoundedHalfAwayFromZeroToHundredths(_ points: Int64, _ members: Int, _ hundredths: Int64) {
        #expect(TeamRanking.score(TeamTotal(team: "t", points: points, members: members, reachedAt: nil), by: .perMember) == hundredths)
    }

    @Test(arguments: [(2033, "20.33"), (750, "7.50"), (0, "0.00"), (5, "0.05"), (-67, "-0.67"), (-1250, "-12.50"), (100, "1.00")])
    func hundredthsAreWrittenWithTwoDecimals(_ hundredths: Int64, _ text: String) {
        #expect(TeamRanking.decimal(hundredths: hundredths) == text)
    }
}
