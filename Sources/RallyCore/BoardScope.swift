/// Which members a leaderboard ranks: the whole program, or one team or one region of it. Every scope has a board
/// for every period; a member stands on the boards of each scope they belong to.
public enum BoardScope: Sendable, Hashable {
    case program
    case team(String)
    case region(String)

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
