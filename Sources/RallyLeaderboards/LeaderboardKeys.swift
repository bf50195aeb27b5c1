import RallyCore

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

    /// Match every board and every period's update counter, of every program.
    var boardPatterns: [String] { ["\(namespace)/lb/*", "\(namespace)/seq/*"] }

    /// Present while the projection is complete; absent while it is missing or being rebuilt.
    var ready: String { "\(namespace)/ready" }

    /// Sorted set of one period's standings in one scope: member id → `StandingKey`.
    func board(program: String, scope: BoardScope = .program, period: String) -> String {
        boardPrefix(program: program) + Self.board(scope, period)
    }

    /// A board within its program's keys: the scope's part (`m/`, `t:Sales/`, `r:Lyon/`, `c:hiring-dec/` for the
    /// caches of campaign boards, which Redis does not hold; names never hold a newline, so a newline can join them) and the period key (`2026-W47`, which never holds a `/`).
    package static func board(_ scope: BoardScope, _ period: String) -> String {
        scopePart(scope) + period
    }

    static func scopePart(_ scope: BoardScope) -> String {
        switch scope {
        case .program: "m/"
        case let .team(name): "t:\(name)/"
        case let .region(name): "r:\(name)/"
        case let .campaign(id): "c:\(id)/"
        }
    }

    /// Hash of the scopes each member stands in, as the boards reflect them: member id → scope parts joined by newlines.
    func placements(program: String) -> String {
        "\(namespace)/scopes/\(tag(program))"
    }

    /// What every board key of the program starts with (the projection scripts append the period).
    func boardPrefix(program: String) -> String {
        "\(namespace)/lb/\(tag(program))/"
    }

    /// Counter of the updates of a period's boards, all scopes together (a member's update of the period in each of their
    /// scopes takes one number): the tie-break sequence of `StandingKey`.
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

    /// Hash of how members are listed on the boards: member id → `Listing.stored`.
    func listings(program: String) -> String {
        "\(namespace)/names/\(tag(program))"
    }

    /// The program's Redis Cluster hash tag.
    private func tag(_ program: String) -> String { "{\(program)}" }
}
