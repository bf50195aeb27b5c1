import Foundation
import Postgres
import RallyCore
import RallyStorage
import Redis
import Synchronization

/// One line of a leaderboard.
public struct LeaderboardEntry: Sendable, Equatable {
    public var rank: Int
    /// nil for anonymous members.
    public var memberId: String?
    public var displayName: String?
    public var team: String?
    public var points: Int64
}

extension LeaderboardEntry {
    /// A ranked member as their listing shows them: an anonymous member's id and name are left out (nothing but the
    /// team when the listing is missing). The one place an entry's visibility is applied.
    init(rank: Int, memberId: String, listing: Listing?, points: Int64) {
        let anonymous = listing?.anonymous ?? false
        self.init(rank: rank, memberId: anonymous ? nil : memberId, displayName: anonymous ? nil : listing?.displayName,
                  team: listing?.team, points: points)
    }
}

/// A page of a leaderboard.
public struct LeaderboardPage: Sendable {
    public var period: Period
    public var total: Int
    public var entries: [LeaderboardEntry]
    /// Unique to each read from Redis: a page served again from the cache keeps it, so whatever was derived
    /// from a page (its JSON) can be reused while the revision is the same.
    public var revision: UInt64 = 0
    /// The 0-based position of the first entry on the board.
    public var offset = 0
}

/// A member's place on a board, as the leaderboard page pins it for its viewer.
public struct MemberPlace: Sendable, Equatable {
    public var entry: LeaderboardEntry
    /// The next place up: the rank and points of the members just above with more points; nil for a leader.
    public var next: Standing?

    public struct Standing: Sendable, Equatable {
        public var rank: Int
        public var points: Int64
    }
}

/// Leaderboards: member boards and ranks from Redis, team boards and boards past keeping from PostgreSQL. Redis is
/// written through `Projection` alone: a commit's changes (`apply`, sent by whoever records them), resyncs, rebuilds.
public final class Leaderboards: Sendable {
    package let redis: any RedisClient
    let postgres: PostgresPool
    package let keys: LeaderboardKeys
    let cache: PageCache<BoardPage, LeaderboardPage>
    /// The entries around members, kept like pages.
    let arounds: PageCache<BoardAround, (page: LeaderboardPage, limit: Int)?>
    /// Members' places, kept like pages: the leaderboard page shows its viewer's.
    let places: PageCache<BoardMember, MemberPlace?>
    let windows: DerivedBoardCache<Board, WindowRanking>
    let teams: DerivedBoardCache<TeamBoard, [TeamTotal]>
    /// Pages of periods past keeping, computed from PostgreSQL: they change only with backfilled events and member changes.
    let archive: DerivedBoardCache<BoardPage, LeaderboardPage>
    /// Which periods' boards Redis holds; older ones are read from PostgreSQL.
    public let retention: BoardRetention
    private let revisions = Atomic<UInt64>(0)

    /// `clock` is what the caches expire by.
    public init(redis: any RedisClient, postgres: PostgresPool, keys: LeaderboardKeys, retention: BoardRetention = .standard,
                clock: any ServiceClock = ContinuousClock()) {
        self.redis = redis
        self.postgres = postgres
        self.keys = keys
        self.retention = retention
        cache = PageCache(clock: clock)
        arounds = PageCache(clock: clock)
        places = PageCache(clock: clock)
        windows = DerivedBoardCache(clock: clock)
        teams = DerivedBoardCache(clock: clock)
        archive = DerivedBoardCache(lifetime: .seconds(10), capacity: 1000, clock: clock)
    }

    /// One page of the board of `period` in `scope`, best first.
    func page(program: String, scope: BoardScope = .program, period: Period, offset: Int, limit: Int) async throws -> LeaderboardPage {
        let cacheKey = BoardPage(board: Board(program: program, scope: scope, period: period.key), offset: offset, limit: limit)
        if let page = cache.page(cacheKey) { return page }
        let version = cache.version(of: cacheKey.board)
        var page = try await read(program: program, scope: scope, period: period, offset: offset, limit: limit)
        page.revision = nextRevision()
        cache.store(page, for: cacheKey, readAt: version)
        return page
    }

    private func read(program: String, scope: BoardScope, period: Period, offset: Int, limit: Int) async throws -> LeaderboardPage {
        try await read(program: program, scope: scope, period: period, arguments: [String(offset), String(limit), "page"])?.page
            ?? LeaderboardPage(period: period, total: 0, entries: [])
    }

    /// The page of a board around a member (`radius` entries either side, fewer above near the top) and its size, in
    /// one round trip; nil when the member is not on the board.
    func around(program: String, scope: BoardScope, period: Period, memberId: String, radius: Int) async throws -> (page: LeaderboardPage, limit: Int)? {
        let cacheKey = BoardAround(board: Board(program: program, scope: scope, period: period.key), memberId: memberId, radius: radius)
        if let around = arounds.page(cacheKey) { return around }
        let version = arounds.version(of: cacheKey.board)
        let around = try await read(program: program, scope: scope, period: period, arguments: [memberId, String(radius), "around"])
            .map { ($0.page, $0.limit) }
        arounds.store(around, for: cacheKey, readAt: version)
        return around
    }

    /// A member's place on the board of `period` and the next place up, in one round trip; nil when the member is not
    /// on the board.
    func place(program: String, scope: BoardScope, period: Period, memberId: String) async throws -> MemberPlace? {
        let cacheKey = BoardMember(board: Board(program: program, scope: scope, period: period.key), memberId: memberId)
        if let place = places.page(cacheKey) { return place }
        let version = places.version(of: cacheKey.board)
        let place = try await read(program: program, scope: scope, period: period, arguments: [memberId, "0", "place"])
            .flatMap { read in read.page.entries.first.map { MemberPlace(entry: $0, next: read.next) } }
        places.store(place, for: cacheKey, readAt: version)
        return place
    }

    /// Runs `RedisScripts.page`: the page, the size asked and, for a place, the next place up; nil when it found no
    /// such member.
    private func read(program: String, scope: BoardScope, period: Period, arguments: [String])
        async throws -> (page: LeaderboardPage, limit: Int, next: MemberPlace.Standing?)?
    {
        let board = keys.key(for: Board(program: program, scope: scope, period: period.key))
        let reply: [RedisReply]
        reply = try await evaluate(RedisScripts.pageDigest, keys: [board, keys.listings(program: program)], arguments: arguments,
                                   requireReady: true).array ?? []
        let total = reply.first?.int ?? 0
        guard reply.count >= 6, let offset = reply[1].int, offset >= 0 else { return nil }
        let pairs = reply[3].array ?? [], listings = reply[4].array ?? []
        let standings = stride(from: 0, to: pairs.count - 1, by: 2).map { index in
            (member: pairs[index].string ?? "", points: StandingKey(value: pairs[index + 1].double ?? 0).points)
        }
        let ranks = CompetitionRanking.ranks(sortedPoints: standings.map(\.points), offset: offset, firstRank: (reply[2].int ?? 0) + 1)
        let entries = standings.indices.map { position in
            LeaderboardEntry(rank: ranks[position], memberId: standings[position].member,
                             listing: listings.indices.contains(position) ? listings[position].string.flatMap(Listing.init(stored:)) : nil,
                             points: standings[position].points)
        }
        var page = LeaderboardPage(period: period, total: total, entries: entries)
        page.offset = offset
        let next = reply.count == 8 ? MemberPlace.Standing(rank: (reply[7].int ?? 0) + 1, points: StandingKey(value: reply[6].double ?? 0).points) : nil
        return (page, reply[5].int ?? entries.count, next)
    }

    /// EVALSHA of one of `RedisScripts`, given to Redis first if it does not know it; with `requireReady`, in the same
    /// round trip as the check that the projection is complete (`unavailable` while it is rebuilt).
    func evaluate(_ digest: String, keys: [String], arguments: [String], requireReady: Bool = false) async throws -> RedisReply {
        let command = ["EVALSHA", digest, String(keys.count)] + keys + arguments
        let commands = requireReady ? [["EXISTS", self.keys.ready], command] : [command]
        // A pipeline answers an error reply instead of throwing it: NOSCRIPT can be told apart.
        var replies = try await redis.pipeline(commands)
        if case let .error(message) = replies[commands.count - 1], message.hasPrefix("NOSCRIPT") {
            try await loadScripts()
            replies = try await redis.pipeline(commands)
        }
        if requireReady { try Self.requireReady(replies[0]) }
        let reply = replies[commands.count - 1]
        if case let .error(message) = reply { throw RedisError(kind: .reply, message: message) }
        return reply
    }

    /// Gives Redis every script (after a restart or `SCRIPT FLUSH` it knows none).
    func loadScripts() async throws {
        for script in RedisScripts.all { _ = try await redis.onEveryServer(["SCRIPT", "LOAD", script]) }
    }

    /// Drops every page and window ranking read so far (a listing or a whole board changed).
    package func forgetCachedPages() {
        cache.invalidateAll()
        arounds.invalidateAll()
        places.invalidateAll()
        windows.invalidateAll()
    }

    /// After this instance committed points (`awarded`, some of them on boards Redis does not hold, past periods or
    /// campaigns: `archived`) or member changes: the boards read from PostgreSQL that they change are computed again.
    package func postgresBoardsChanged(awarded: Set<String>, archived: Set<String>) {
        teams.invalidate(programs: awarded)
        archive.invalidate(programs: archived)
    }

    /// A number no page read before had: the rendered-page cache keys answers by it.
    func nextRevision() -> UInt64 {
        revisions.add(1, ordering: .relaxed).newValue
    }

    /// Whether the projection is complete (false while it is missing or being rebuilt).
    public func isReady() async throws -> Bool {
        try await redis.send(["EXISTS", keys.ready]).int == 1
    }

    /// What the ready key holds while the projection is complete: the retention its boards were built under, so that
    /// an instance started with other settings rebuilds them rather than trust boards kept by other rules.
    package var readyMark: String { "retention " + retention.description }

    /// The ready key's value (nil while the projection is not complete) and the run id of each Redis server by its
    /// address: a run id changes when its server restarts (perhaps from a snapshot older than what it had acknowledged),
    /// and a cluster's shard answers with another when its replica took over.
    package func projectionState() async throws -> (ready: String?, servers: [String: String]) {
        let ready = try await redis.send(["GET", keys.ready]).string
        var servers: [String: String] = [:]
        for (server, info) in try await redis.onEveryServer(["INFO", "server"]) {
            guard let line = (info.string ?? "").split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("run_id:") }) else {
                throw RedisError(kind: .protocolError, message: "INFO server did not name the run_id")
            }
            servers[server] = String(line.dropFirst("run_id:".count))
        }
        return (ready, servers)
    }

    /// Of `programs`, those whose keys one of `servers` holds now (a program's keys share one cluster slot).
    package func programs(_ programs: [String], heldBy servers: Set<String>) async throws -> [String] {
        var held: [String] = []
        for program in programs where servers.contains(try await redis.server(of: keys.revisions(program: program))) {
            held.append(program)
        }
        return held
    }

    /// The 0-based position of a member on a board, or nil when they are not on it.
    func position(program: String, scope: BoardScope = .program, period: Period, memberId: String) async throws -> Int? {
        let replies = try await redis.pipeline([
            ["EXISTS", keys.ready],
            ["ZREVRANK", keys.key(for: Board(program: program, scope: scope, period: period.key)), memberId],
        ])
        try Self.requireReady(replies[0])
        return replies[1].int
    }

    /// Competition ranks of the given totals on their boards. Throws when Redis cannot answer, or `unavailable` while
    /// the projection is being rebuilt.
    package func ranks(program: String, standings: [(Period, Int64)]) async throws -> [Int?] {
        var projection = Projection(keys: keys)
        for (period, points) in standings {
            projection.queryRank(program: program, period: period, points: points)
        }
        return try await send(projection, requireReady: true).ranks
    }

    /// What Redis answered to a projection: the ranks it queried, in order, and the members whose changes arrived
    /// ahead of an earlier revision that Redis has not applied (to be resynchronised from PostgreSQL).
    package struct Reply {
        package var ranks: [Int?] = []
        package var behind: [MemberRef] = []
    }

    /// Sends a projection round by round (`Projection.rounds`): Redis runs one client's pipelined commands back to back,
    /// so a read from another client waits for one round at most, not for a whole commit's changes. A round that meets
    /// a Redis server without the scripts (after a restart) gives it them and is sent again, which applies each change
    /// once whatever the first attempt did.
    func send(_ projection: Projection, requireReady: Bool = false) async throws -> Reply {
        guard !projection.commands.isEmpty else { return Reply() }
        var replies: [RedisReply] = []
        replies.reserveCapacity(projection.commands.count)
        for (index, round) in projection.rounds.enumerated() {
            let checksReady = requireReady && index == 0
            let commands = checksReady ? [["EXISTS", keys.ready]] + projection.commands[round] : Array(projection.commands[round])
            var answers = try await redis.pipeline(commands)
            if answers.contains(where: { if case let .error(message) = $0 { message.hasPrefix("NOSCRIPT") } else { false } }) {
                try await loadScripts()
                answers = try await redis.pipeline(commands)
            }
            if checksReady { try Self.requireReady(answers.removeFirst()) }
            for answer in answers {
                if case let .error(message) = answer { throw RedisError(kind: .reply, message: message) }
            }
            replies += answers
        }
        var answer = Reply()
        answer.ranks = projection.rankReplies.map { replies[$0].int.map { $0 + 1 } }
        for (index, program) in projection.applyReplies {
            answer.behind += (replies[index].array ?? []).compactMap(\.string).map { MemberRef(program: program, id: $0) }
        }
        return answer
    }

    static func requireReady(_ reply: RedisReply) throws {
        guard reply.int == 1 else {
            throw RallyError(.unavailable, "leaderboards are being rebuilt from PostgreSQL; retry shortly")
        }
    }

    /// A score as Redis reads it back exactly (integers up to 2^53 print without exponent).
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 9.007_199_254_740_992e15 ? String(Int64(value)) : String(value)
    }
}
