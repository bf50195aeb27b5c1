/// Which members a leaderboard ranks, and by which points: the whole program, one team or one region of it (their
/// points), or a campaign (the points of the events the campaign multiplied). Every scope has a board for every
/// period; a member stands on the boards of the program, their team and their region (kept in Redis), and on a
/// campaign's when its campaign gave them points (computed from PostgreSQL).
public enum BoardScope: Sendable, Hashable {
    case program
    case team(String)
    case region(String)
    case campaign(String)

    /// The scopes of a member of `team` and `region`, the whole program first.
    public static func scopes(team: String?, region: String?) -> [BoardScope] {
        [.program] + (team.map { [.team($0)] } ?? []) + (region.map { [.region($0)] } ?? [])
    }
}

extension BoardScope {
    /// The region a board is limited to, if it is a region's.
    public var region: String? {
        if case let .region(name) = self { name } else { nil }
    }
}
