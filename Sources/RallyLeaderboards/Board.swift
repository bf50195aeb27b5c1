import RallyCore

/// One leaderboard: the members of one program's `scope` over `span`. What the projection, the reads, the rebuild and
/// the caches pass around; `LeaderboardKeys.key(for:)` is the one place its Redis key is derived from it.
package struct Board: Hashable, Sendable {
    package var program: String
    package var scope: BoardScope
    package var span: Span

    /// The time a board covers, by its key.
    package enum Span: Hashable, Sendable {
        /// A tracked period (`2026-11-20`, `2026-W47`, `2026-11`, `2026-Q4`, `2026`, `all`): Redis holds its board
        /// while the period is kept.
        case period(String)
        /// A window of whole local days (`rolling`, `range`) and its key: summed from day boards, never held.
        case window(PeriodKind, String)
    }

    package init(program: String, scope: BoardScope = .program, span: Span) {
        self.program = program
        self.scope = scope
        self.span = span
    }

    /// The board of a tracked period.
    package init(program: String, scope: BoardScope = .program, period: String) {
        self.init(program: program, scope: scope, span: .period(period))
    }

    /// The key of the tracked period the board covers (nil for a window).
    package var period: String? {
        if case let .period(key) = span { key } else { nil }
    }
}

extension Board.Span {
    /// A period's span: a tracked period by its key, a window (`rolling`, `range`) by its kind and key.
    init(_ period: Period) {
        switch period.kind {
        case .rolling, .range: self = .window(period.kind, period.key)
        case .day, .week, .month, .quarter, .year, .all: self = .period(period.key)
        }
    }
}

/// One page of a board, as the page caches hold it.
struct BoardPage: Hashable {
    var board: Board
    var offset: Int
    var limit: Int
}

/// A team board: the teams of a program (of `region` only, when given) over `span`.
struct TeamBoard: Hashable {
    var program: String
    var region: String?
    var span: Board.Span
}

/// What a derived board is kept under: its program's changes drop it (`DerivedBoardCache`).
protocol ProgramKeyed: Hashable, Sendable {
    var program: String { get }
}

extension Board: ProgramKeyed {}
extension TeamBoard: ProgramKeyed {}
extension BoardPage: ProgramKeyed {
    var program: String { board.program }
}
