import Foundation
import Postgres
import RallyCore

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
    /// on no Redis board), and kept like window boards: until this instance changes the program, at most two seconds.
    public func teamPage(program: ProgramContext, period: Period, region: String?, metric: TeamMetric, offset: Int, limit: Int)
        async throws -> TeamBoardPage
    {
        let key = DerivedBoardCache<[TeamTotal]>.Key(program: program.id, board: "\(region ?? "")\n\(period.kind.rawValue):\(period.key)")
        let totals: [TeamTotal]
        if let cached = teams.cached(key) {
            totals = cached
        } else {
            let version = teams.version(of: program.id)
            let days = period.kind == .all ? nil : MemberTotals.days(of: period, in: program.calendar)
            do {
                totals = try await postgres.withConnection { [id = program.id] connection in
                    try MemberTotals.teamTotals(program: id, days: days, region: region, on: connection)
                }
            } catch {
                throw RallyError.storage(error)
            }
            teams.store(totals, for: key, readAt: version)
        }
        let ranked = TeamRanking.rank(totals, by: metric)
        return TeamBoardPage(period: period, metric: metric, total: ranked.count, entries: Array(ranked.dropFirst(offset).prefix(limit)))
    }
}
