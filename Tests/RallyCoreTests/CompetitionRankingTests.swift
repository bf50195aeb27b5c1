import Testing
@testable import RallyCore

@Suite struct CompetitionRankingTests {
    @Test func equalPointsShareARankAndTheNextRankSkips() {
        #expect(CompetitionRanking.ranks(sortedPoints: [100, 90, 90, 80], offset: 0, firstRank: 1) == [1, 2, 2, 4])
    }

    @Test func allEqualShareRankOne() {
        #expect(CompetitionRanking.ranks(sortedPoints: [5, 5, 5], offset: 0, firstRank: 1) == [1, 1, 1])
    }

    @Test func allDistinctRankByPosition() {
        #expect(CompetitionRanking.ranks(sortedPoints: [30, 20, 10, 0, -5], offset: 0, firstRank: 1) == [1, 2, 3, 4, 5])
    }

    @Test func emptyPageHasNoRanks() {
        #expect(CompetitionRanking.ranks(sortedPoints: [], offset: 40, firstRank: 12) == [])
    }

    @Test func pageStartingInsideATieKeepsTheTieRank() {
        // Board positions 3, 4, 5; the first two tie with entries before the page, which share rank 2.
        #expect(CompetitionRanking.ranks(sortedPoints: [50, 50, 40], offset: 3, firstRank: 2) == [2, 2, 6])
    }

    @Test func pageStartingAfterATieUsesTheGivenFirstRank() {
        #expect(CompetitionRanking.ranks(sortedPoints: [30, 20, 20, 10], offset: 2, firstRank: 3) == [3, 4, 4, 6])
        #expect(CompetitionRanking.ranks(sortedPoints: [70, 60], offset: 10, firstRank: 9) == [9, 12])
    }

    @Test(arguments: [1, 2, 3, 4, 10])
    func pagesConcatenateToTheWholeBoard(pageSize: Int) {
        let board: [Int64] = [100, 90, 90, 90, 80, 80, 70, 60, 60, 50]
        let expected = [1, 2, 2, 2, 5, 5, 7, 8, 8, 10]
        #expect(CompetitionRanking.ranks(sortedPoints: board, offset: 0, firstRank: 1) == expected)
        var paged: [Int] = []
        for offset in stride(from: 0, to: board.count, by: pageSize) {
            let page = Array(board[offset..<min(offset + pageSize, board.count)])
            let firstRank = board.filter { $0 > page[0] }.count + 1
            paged += CompetitionRanking.ranks(sortedPoints: page, offset: offset, firstRank: firstRank)
        }
        #expect(paged == expected)
    }
}
