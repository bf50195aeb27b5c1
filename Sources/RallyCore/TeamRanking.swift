import Foundation

/// What a team board ranks teams by.
public enum TeamMetric: String, Sendable, CaseIterable {
    /// The points of the team's enrolled members, summed.
    case total
    /// That sum divided by the number of enrolled members, to two decimals: small teams can win.
    case perMember
}

/// A team's points over one period: the sum over its enrolled members (hidden ones included), and how many they are.
public struct TeamTotal: Sendable, Equatable {
    public var team: String
    public var points: Int64
    public var members: Int
    /// When the last of these points were earned; nil when the team earned none.
    public var reachedAt: Date?

    public init(team: String, points: Int64, members: Int, reachedAt: Date?) {
        self.team = team
        self.points = points
        self.members = members
        self.reachedAt = reachedAt
    }
}

/// A team's line on a team board.
public struct TeamStanding: Sendable, Equatable {
    public var rank: Int
    public var team: String
    public var points: Int64
    public var members: Int
    /// What the team is ranked by: its points (`total`) or its points per member in hundredths (`perMember`).
    public var score: Int64
}

/// Team boards: competition ranks on the metric's score; among equal scores, the team that reached its points first
/// leads (teams without points last), then the team's name.
public enum TeamRanking {
    public static func rank(_ totals: [TeamTotal], by metric: TeamMetric) -> [TeamStanding] {
        let scored = totals.map { ($0, score($0, by: metric)) }.sorted { left, right in
            if left.1 != right.1 { return left.1 > right.1 }
            switch (left.0.reachedAt, right.0.reachedAt) {
            case let (first?, second?) where first != second: return first < second
            case (.some, nil): return true
            case (nil, .some): return false
            default: return left.0.team < right.0.team
            }
        }
        let ranks = CompetitionRanking.ranks(sortedPoints: scored.map(\.1), offset: 0, firstRank: 1)
        return zip(scored, ranks).map { entry, rank in
            TeamStanding(rank: rank, team: entry.0.team, points: entry.0.points, members: entry.0.members, score: entry.1)
        }
    }

    /// The points, or the points per member in hundredths rounded half away from zero (0 for a team of no one).
    public static func score(_ total: TeamTotal, by metric: TeamMetric) -> Int64 {
        switch metric {
        case .total:
            return total.points
        case .perMember:
            guard total.members > 0 else { return 0 }
            let members = Int64(total.members)
            let magnitude = (total.points.magnitude * 200 + UInt64(members)) / UInt64(2 * members)
            return total.points < 0 ? -Int64(magnitude) : Int64(magnitude)
        }
    }

    /// Hundredths written as a decimal with two places (`1250` → `12.50`, `-5` → `-0.05`).
    public static func decimal(hundredths: Int64) -> String {
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = hundredths.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
