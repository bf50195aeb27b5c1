import Foundation
import RallyCore
import RallyStorage
import Redis
import Synchronization

/// A window's board (`rolling`, `range`): each member's points summed over the window's day boards, ranked. Kept in
/// `Leaderboards.windows`, so that the pages of one window are read from one ranking.
struct WindowRanking: Sendable {
    /// Members best first; among equal points, by member id (stable from one read to the next).
    var members: [String]
    var points: [Int64]
    var positions: [String: Int]
    var revision: UInt64
}

extension Leaderboards {
    /// One page of a window's board in `scope`: the sum of its day boards (`days`, `YYYY-MM-DD`), at most a couple of
    /// seconds old. Ranks are competition ranks on the summed points.
    func windowPage(program: String, scope: BoardScope = .program, window: Period, days: [String], offset: Int, limit: Int)
        async throws -> LeaderboardPage
    {
        let ranking = try await windowRanking(program: program, scope: scope, window: window, days: days)
        // A page of one ranking: kept like a page of a Redis board (a listing change drops it, a second at most).
        let cacheKey = BoardPage(board: Board(program: program, scope: scope, span: .window(window.kind, "\(window.key)#\(ranking.revision)")),
                                 offset: offset, limit: limit)
        if let page = cache.page(cacheKey) { return page }
        let version = cache.version(of: cacheKey.board)
        let page = try await windowPage(program: program, ranking: ranking, window: window, offset: offset, limit: limit)
        cache.store(page, for: cacheKey, readAt: version)
        return page
    }

    private func windowPage(program: String, ranking: WindowRanking, window: Period, offset: Int, limit: Int) async throws -> LeaderboardPage {
        let slice = ranking.members.indices.dropFirst(offset).prefix(limit)
        guard let first = slice.first else { return LeaderboardPage(period: window, total: ranking.members.count, entries: [], revision: ranking.revision) }
        let points = Array(ranking.points[slice])
        // The rank of the page's first member: one more than the members with more points.
        let above = ranking.points.prefix(first).lazy.filter { $0 > points[0] }.count
        let ranks = CompetitionRanking.ranks(sortedPoints: points, offset: offset, firstRank: above + 1)
        let members = Array(ranking.members[slice])
        let listings: [RedisReply]
        listings = try await redis.send(["HMGET", keys.listings(program: program)] + members).array ?? []
        let entries = members.indices.map { index in
            LeaderboardEntry(rank: ranks[index], memberId: members[index],
                             listing: listings.indices.contains(index) ? listings[index].string.flatMap(Listing.init(stored:)) : nil,
                             points: points[index])
        }
        return LeaderboardPage(period: window, total: ranking.members.count, entries: entries, revision: ranking.revision)
    }

    /// The 0-based position of a member on a window's board, or nil when they are not on it.
    func windowPosition(program: String, scope: BoardScope = .program, window: Period, days: [String], memberId: String) async throws -> Int? {
        try await windowRanking(program: program, scope: scope, window: window, days: days).positions[memberId]
    }

    private func windowRanking(program: String, scope: BoardScope, window: Period, days: [String]) async throws -> WindowRanking {
        return try await windows.value(for: Board(program: program, scope: scope, span: .window(window.kind, window.key))) { [self] in
            try await computeWindowRanking(program: program, scope: scope, days: days)
        }
    }

    /// The ranking, and how many day totals it summed.
    private func computeWindowRanking(program: String, scope: BoardScope, days: [String]) async throws -> (WindowRanking, Int) {
        var totals: [String: Int64] = [:]
        var rows = 0
        let replies = try await redis.pipeline([["EXISTS", keys.ready]]
            + days.map { ["ZRANGE", keys.key(for: Board(program: program, scope: scope, period: $0)), "0", "-1", "WITHSCORES"] })
        try Self.requireReady(replies[0])
        for reply in replies.dropFirst() {
            let pairs = reply.array ?? []
            for index in stride(from: 0, to: pairs.count - 1, by: 2) {
                guard let member = pairs[index].string, let score = pairs[index + 1].double else { continue }
                totals[member, default: 0] += StandingKey(value: score).points
                rows += 1
            }
        }
        let sorted = totals.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        var positions: [String: Int] = [:]
        for (index, entry) in sorted.enumerated() { positions[entry.key] = index }
        return (WindowRanking(members: sorted.map(\.key), points: sorted.map(\.value), positions: positions, revision: nextRevision()), rows)
    }
}
