import Foundation
import RallyCore

/// A member's standings changed by one commit: the revision PostgreSQL gave the change, the scopes whose boards the
/// member stands on, and the points each period's boards gain (the same on the board of every scope).
package struct MemberBoardChanges: Sendable {
    package var memberId: String
    package var revision: Int64
    package var scopes: [BoardScope]
    /// Each period's key and the points its boards gain, in the order first reached.
    package var periods: [(period: String, points: Int64)]

    package init(memberId: String, revision: Int64, scopes: [BoardScope], periods: [(period: String, points: Int64)]) {
        self.memberId = memberId
        self.revision = revision
        self.scopes = scopes
        self.periods = periods
    }

    /// The boards the changes touch, of `program`.
    func boards(program: String) -> [Board] {
        periods.flatMap { period in scopes.map { Board(program: program, scope: $0, period: period.period) } }
    }
}

/// A member's totals per period as PostgreSQL holds them at `revision`, and the scopes whose boards they stand on
/// (none when they are not ranked).
struct MemberTotalsAtRevision: Sendable {
    var memberId: String
    var revision: Int64
    var scopes: [BoardScope]
    var totals: [(period: String, points: Int64)]
}

/// Redis commands that bring boards in line with PostgreSQL, batched into one pipeline.
package struct Projection: Sendable {
    let keys: LeaderboardKeys
    /// The most arguments a round holds (`rounds`).
    var roundArguments = 500
    private(set) var commands: [[String]] = []
    private(set) var rankReplies: [Int] = []
    /// The commands that apply changes, with their program: each answers the members it could not apply yet.
    private(set) var applyReplies: [(index: Int, program: String)] = []

    /// Applies one commit's changes to a program's boards, each member's in revision order (`RedisScripts.apply`).
    /// A script runs alone in Redis: `applyMembers` members per call keep each one short, so that reads interleave
    /// with a large commit's changes instead of waiting for all of them.
    mutating func apply(program: String, updates: [MemberBoardChanges]) {
        for start in stride(from: 0, to: updates.count, by: Self.applyMembers) {
            var command = ["EVALSHA", RedisScripts.applyDigest, "1", keys.revisions(program: program),
                           keys.boardPrefix(program: program), keys.sequencePrefix(program: program)]
            for update in updates[start..<min(start + Self.applyMembers, updates.count)] {
                command += [update.memberId, String(update.revision), String(update.scopes.count), String(update.periods.count)]
                command += update.scopes.map(LeaderboardKeys.scopePart)
                for period in update.periods { command += [period.period, String(period.points)] }
            }
            applyReplies.append((commands.count, program))
            commands.append(command)
        }
    }

    static let applyMembers = 25

    /// The commands cut into rounds of at most `roundArguments` arguments (a larger command goes alone), each sent as
    /// one pipeline: Redis runs a round without serving anyone else, so a round is kept to a few milliseconds of work.
    var rounds: [Range<Int>] {
        var rounds: [Range<Int>] = []
        var start = 0, arguments = 0
        for (index, command) in commands.enumerated() {
            if index > start, arguments + command.count > roundArguments {
                rounds.append(start..<index)
                start = index
                arguments = 0
            }
            arguments += command.count
        }
        rounds.append(start..<commands.count)
        return rounds
    }

    /// Places members on the boards of their scopes with their totals as PostgreSQL holds them, off the boards of
    /// scopes they left, unless Redis applied a later revision (`RedisScripts.resync`).
    mutating func resync(program: String, members: [MemberTotalsAtRevision]) {
        guard !members.isEmpty else { return }
        var command = ["EVALSHA", RedisScripts.resyncDigest, "2", keys.revisions(program: program), keys.placements(program: program),
                       keys.boardPrefix(program: program), keys.sequencePrefix(program: program)]
        for member in members {
            command += [member.memberId, String(member.revision), Self.placement(member.scopes), String(member.totals.count)]
            for total in member.totals { command += [total.period, String(total.points)] }
        }
        commands.append(command)
    }

    /// Sets members' totals on a board in one command, each with its score written as Redis is given it (a
    /// `StandingKey`: the total and the update of its period that set it).
    mutating func setStandings(on board: Board, _ standings: [(memberId: String, score: String)]) {
        guard !standings.isEmpty else { return }
        var command = ["ZADD", keys.key(for: board)]
        command.reserveCapacity(2 + 2 * standings.count)
        for standing in standings {
            command.append(standing.score)
            command.append(standing.memberId)
        }
        commands.append(command)
    }

    /// Sets a period's update counter (after a rebuild numbered its standings 1…n).
    mutating func setSequence(program: String, period: String, to count: Int64) {
        commands.append(["SET", keys.sequence(program: program, period: period), String(count)])
    }

    /// Records the revision and the scopes of members' standings that the boards reflect (after a rebuild).
    mutating func setPlacements(program: String, _ members: [(memberId: String, revision: Int64, scopes: [BoardScope])]) {
        guard !members.isEmpty else { return }
        commands.append(["HSET", keys.revisions(program: program)] + members.flatMap { [$0.memberId, String($0.revision)] })
        commands.append(["HSET", keys.placements(program: program)] + members.flatMap { [$0.memberId, Self.placement($0.scopes)] })
    }

    mutating func removeListing(program: String, memberId: String) {
        commands.append(["HDEL", keys.listings(program: program), memberId])
    }

    /// The scope parts of a member's boards, as the placement hash holds them.
    static func placement(_ scopes: [BoardScope]) -> String {
        scopes.map(LeaderboardKeys.scopePart).joined(separator: "\n")
    }

    mutating func setListings(program: String, _ listings: [(memberId: String, listing: Listing)]) {
        guard !listings.isEmpty else { return }
        commands.append(["HSET", keys.listings(program: program)] + listings.flatMap { [$0.memberId, $0.listing.stored] })
    }

    /// Queues `1 + members strictly above points`; `send` returns it as the rank.
    mutating func queryRank(program: String, period: Period, points: Int64) {
        rankReplies.append(commands.count)
        commands.append(["ZCOUNT", keys.key(for: Board(program: program, period: period.key)),
                         Leaderboards.number(StandingKey.lowestKey(above: points)), "+inf"])
    }
}
