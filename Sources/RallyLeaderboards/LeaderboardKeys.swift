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

    /// The token bucket every instance takes a key's requests from (`takeRateTokens`), on its program's shard.
    func rateBucket(program: String, keyId: String) -> String { "\(namespace)/rate/{\(program)}/\(keyId)" }

    /// Sorted set of a board's standings: member id → `StandingKey`. Redis holds the boards of tracked periods; a
    /// window's key names nothing there (windows are summed from day boards) and only tells caches apart.
    package func key(for board: Board) -> String {
        boardPrefix(program: board.program) + Self.suffix(of: board)
    }

    /// A board's key within its program's keys: the scope's part (`m/`, `t:Sales/`, `r:Lyon/`, `c:hiring-dec/`) and the
    /// span's (a period key such as `2026-W47`, which never holds a `/`; `rolling:…` for a window), as
    /// `RedisScripts.apply` receives it.
    static func suffix(of board: Board) -> String {
        let span = switch board.span {
        case let .period(key): key
        case let .window(kind, key): "\(kind.rawValue):\(key)"
        }
        return scopePart(board.scope) + span
    }

    /// The board or period counter a key of this namespace holds (the inverse of `key(for:)` and `sequence`), for what
    /// finds keys by `SCAN`; nil for any other key.
    func parse(_ key: String) -> ParsedKey? {
        guard key.hasPrefix(namespace + "/") else { return nil }
        // After the namespace: the key's kind, the program's hash tag, the rest.
        let afterNamespace = key.dropFirst(namespace.count + 1)
        guard let slash = afterNamespace.firstIndex(of: "/") else { return nil }
        let kind = afterNamespace[..<slash], tagged = afterNamespace[afterNamespace.index(after: slash)...]
        guard tagged.hasPrefix("{"), let close = tagged.range(of: "}/") else { return nil }
        let program = String(tagged[tagged.index(after: tagged.startIndex)..<close.lowerBound]), rest = tagged[close.upperBound...]
        switch kind {
        case "seq":
            return rest.contains("/") ? nil : .sequence(program: program, period: String(rest))
        case "lb":
            guard let last = rest.lastIndex(of: "/"), let scope = Self.scope(fromPart: rest[..<last]) else { return nil }
            return .board(Board(program: program, scope: scope, period: String(rest[rest.index(after: last)...])))
        default:
            return nil
        }
    }

    /// What `parse` finds in a key.
    enum ParsedKey: Equatable {
        case board(Board)
        case sequence(program: String, period: String)

        /// The key of the period the board or counter belongs to.
        var period: String {
            switch self {
            case let .board(board): board.period ?? ""
            case let .sequence(_, period): period
            }
        }
    }

    static func scopePart(_ scope: BoardScope) -> String {
        switch scope {
        case .program: "m/"
        case let .team(name): "t:\(name)/"
        case let .region(name): "r:\(name)/"
        case let .campaign(id): "c:\(id)/"
        }
    }

    /// The scope a part written by `scopePart` names (without its closing `/`).
    private static func scope(fromPart part: Substring) -> BoardScope? {
        if part == "m" { return .program }
        let name = String(part.dropFirst(2))
        switch part.prefix(2) {
        case "t:": return .team(name)
        case "r:": return .region(name)
        case "c:": return .campaign(name)
        default: return nil
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
