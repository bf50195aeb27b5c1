
/// One board of one program: `board` as `LeaderboardKeys.board(_:_:)` names it (scope and period).
package struct BoardRef: Hashable {
    var program: String
    var board: String
}

