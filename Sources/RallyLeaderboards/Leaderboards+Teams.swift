import Foundation
import Postgres
import RallyCore
import RallyStorage

/// A page of a team board.
public struct TeamBoardPage: Sendable {
    public var period: Period
    public var metric: TeamMetric
    /// How many teams the board ranks.
    public var total: Int
    public var entries: [TeamStanding]
}

extension Leaderboards {
    /// One page of the team board of `period` (a tracked period or a window of whole days), of the members of `region`
    /// only when given. Read from PostgreSQL, where hidden members' points are (they count toward their team but stand
    /// on no Redis board), and kept like window boards (`DerivedBoardCache`).
    public func teamPage(program: ProgramContext, period: Period, region: String?, metric: TeamMetric, offset: Int, limit: Int)
        async throws -> TeamBoardPage
    {
        let key = TeamBoard(program: program.id, region: region, span: Board.Span(period))
        let days = period.kind == .all ? nil : MemberTotals.days(of: period, in: program.calendar)
        let totals = try await teams.value(for: key) { [postgres, id = program.id] in
            let totals = try await postgres.withConnection { try MemberTotals.teamTotals(program: id, days: days, region: region, on: $0) }
            // The statement reads a row per enrolled member at least.
            return (totals, totals.reduce(0) { $0 + $1.members })
        }
        let ranked = TeamRanking.rank(totals, by: metric)
        return TeamBoardPage(period: period, metric: metric, total: ranked.count, entries: Array(ranked.dropFirst(offset).prefix(limit)))
    }
}
