/// The one place Redis keys are built, all under one namespace (`rally` by default; tests use their own).
/// `/`, `{` and `}` never occur in ids, so keys cannot collide across programs; the program id stands in braces, a
/// Redis Cluster hash tag, so that a cluster keeps every key of one program on one shard.
public struct LeaderboardKeys: Sendable {
    public let namespace: String

    public init(namespace: String = "rally") {
        self.namespace = namespace
    }

    /// Matches every key of the namespace.
    var pattern: String { "\(namespace)/*" }

    /// Present while the projection is complete; absent while it is missing or being rebuilt.
    var ready: String { "\(namespace)/ready" }

    /// Sorted set of one period's standings: member id → `StandingKey`.
    func board(program: String, period: String) -> String {
        boardPrefix(program: program) + period
    }

    /// What every board key of the program starts with (the projection scripts append the period).
    func boardPrefix(program: String) -> String {
        "\(namespace)/lb/\(tag(program))/"
    }

    /// Counter of a board's updates: the tie-break sequence of `StandingKey`.
    func sequence(program: String, period: String) -> String {
        sequencePrefix(program: program) + period
    }

    /// What every sequence key of the program starts with.
    func sequencePrefix(program: String) -> String {
        "\(namespace)/seq/\(tag(program))/"
    }

    /// Hash of the last revision of each member's standings that Redis applied: member id → `member_totals.revision`.
    func revisions(program: String) -> String {
        "\(namespace)/rev/\(tag(program))"
    }

    /// Hash of how members are listed on the boards: member id → `Listing` JSON.
    func listings(program: String) -> String {
        "\(namespace)/names/\(tag(program))"
    }

    /// The program's Redis Cluster hash tag.
    private func tag(_ program: String) -> String { "{\(program)}" }
}
