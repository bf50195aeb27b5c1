import Foundation
import Logging
import Postgres
import RallyCore
import Redis

/// One standing on which Redis and PostgreSQL disagree.
public struct LeaderboardDifference: Sendable, Equatable, CustomStringConvertible {
    public var program: String
    /// The board within the program (`m/2026-W47`, `t:Sales/2026-11`).
    public var board: String
    public var memberId: String
    /// The points PostgreSQL holds; nil when the member should not be on this board.
    public var expected: Int64?
    /// The points on the board in Redis; nil when the member is missing there.
    public var found: Int64?

    public var description: String {
        "\(program) \(board) \(memberId): PostgreSQL \(expected.map(String.init) ?? "absent"), Redis \(found.map(String.init) ?? "absent")"
    }
}

/// Operators' tools over the Redis projection, safe while `rally serve` instances keep writing: a program's boards
/// rebuilt from PostgreSQL and swapped in at once, and every board checked against PostgreSQL (and repaired).
public struct LeaderboardMaintenance: Sendable {
    let postgres: PostgresPool
    let leaderboards: Leaderboards
    let logger: Logger

    public init(postgres: PostgresPool, redis: any RedisClient, namespace: String, retention: BoardRetention = .standard, logger: Logger) {
        self.postgres = postgres
        self.leaderboards = Leaderboards(redis: redis, postgres: postgres, keys: LeaderboardKeys(namespace: namespace), retention: retention)
        self.logger = logger
    }

    /// Every program's id.
    public func programs() async throws -> [String] {
        try await postgres.query("SELECT id FROM programs ORDER BY id").map { try $0.string("id") }
    }

    /// Rebuilds one program's boards, listings and revisions under staging keys, then swaps them for the live ones in
    /// one atomic script, so that readers see the old boards or the new ones, never a half-built one. Members who
    /// changed while it ran are resynchronised afterwards. Returns how many standings were written.
    @discardableResult
    public func rebuild(program: String) async throws -> Int {
        let live = leaderboards.keys
        let staging = LeaderboardKeys(namespace: live.namespace + "/rebuild")
        let redis = leaderboards.redis
        try await unlink(try await keys(of: program, in: staging))

        let rebuilt = try await leaderboards.writeProjection(program: program, under: staging, from: postgres, now: Date())

        // The swap: every live key of the program goes, every staged key takes its place.
        let stale = try await keys(of: program, in: live)
        let staged = try await keys(of: program, in: staging)
        let renames = staged.flatMap { [$0, live.namespace + $0.dropFirst(staging.namespace.count)] }
        _ = try await redis.send(["EVAL", Self.swap, String(stale.count + renames.count)] + stale + renames + [String(stale.count)])
        leaderboards.forgetCachedPages()

        // Members whose commits PostgreSQL recorded after the read above: their changes may have gone to the replaced keys.
        let changed = try await leaderboards.resyncChanged(since: rebuilt, program: program, from: postgres)
        logger.info("leaderboards of a program rebuilt", metadata: ["program": "\(program)", "standings": "\(rebuilt.standings)",
                                                                  "resynchronised": "\(changed)"])
        return rebuilt.standings
    }

    /// Marks the projection complete (after every program was rebuilt by `rebuild(program:)`).
    public func markReady() async throws {
        _ = try await leaderboards.redis.send(["SET", leaderboards.keys.ready, leaderboards.readyMark])
    }

    /// Every standing on which Redis disagrees with PostgreSQL, in points or presence, on any board of the program.
    /// A difference must show twice, a second apart, to be reported: a commit in flight between the two reads is not one.
    public func check(program: String) async throws -> [LeaderboardDifference] {
        let first = try await differences(program: program)
        guard !first.isEmpty else { return [] }
        try await Task.sleep(for: .seconds(1))
        let second = try await differences(program: program)
        return second.filter(first.contains)
    }

    /// Resynchronises the members of the differences from PostgreSQL; returns what still differs afterwards.
    public func repair(program: String, _ found: [LeaderboardDifference]) async throws -> [LeaderboardDifference] {
        try await leaderboards.resync(program: program, memberIds: Array(Set(found.map(\.memberId))).sorted(), from: postgres)
        return try await differences(program: program)
    }

    private func differences(program: String) async throws -> [LeaderboardDifference] {
        let now = Date()
        let (expected, zone) = try await postgres.withConnection { [retention = leaderboards.retention] connection in
            (MemberTotals.boards(try MemberTotals.standings(program: program, retention: retention, now: now, on: connection)),
             try connection.query("SELECT timezone FROM programs WHERE id = $1", [program]).first?.string("timezone"))
        }
        // Boards of periods past keeping are no longer maintained: they wait to be pruned, and nobody reads them.
        let today = (zone.flatMap(PeriodCalendar.init(timeZoneIdentifier:)) ?? PeriodCalendar(timeZone: .gmt)).localDate(of: now)
        let keys = leaderboards.keys
        let found = try await self.keys(of: program, in: keys).compactMap { key -> Board? in
            guard case let .board(board)? = keys.parse(key), let period = board.period else { return nil }
            return leaderboards.retention.keeps(periodKey: period, today: today) ? board : nil
        }
        let boards = Set(found).union(expected.keys).sorted { LeaderboardKeys.suffix(of: $0) < LeaderboardKeys.suffix(of: $1) }
        let replies = try await leaderboards.redis.pipeline(boards.map { ["ZRANGE", keys.key(for: $0), "0", "-1", "WITHSCORES"] })
        var differences: [LeaderboardDifference] = []
        for (board, reply) in zip(boards, replies) {
            let pairs = reply.array ?? []
            var inRedis: [String: Int64] = [:]
            for index in stride(from: 0, to: pairs.count - 1, by: 2) {
                if let member = pairs[index].string, let score = pairs[index + 1].double { inRedis[member] = StandingKey(value: score).points }
            }
            var inPostgres: [String: Int64] = [:]
            for row in expected[board] ?? [] { inPostgres[row.memberId] = row.points }
            for member in Set(inRedis.keys).union(inPostgres.keys).sorted() where inRedis[member] != inPostgres[member] {
                differences.append(LeaderboardDifference(program: program, board: LeaderboardKeys.suffix(of: board), memberId: member,
                                                         expected: inPostgres[member], found: inRedis[member]))
            }
        }
        return differences
    }

    /// Every key of one program under `keys`' namespace: its boards, their counters and its hashes.
    private func keys(of program: String, in keys: LeaderboardKeys) async throws -> [String] {
        var found: [String] = []
        for pattern in [keys.boardPrefix(program: program) + "*", keys.sequencePrefix(program: program) + "*"] {
            try await leaderboards.scanKeys(matching: pattern) { found += $0 }
        }
        let hashes = [keys.listings(program: program), keys.revisions(program: program), keys.placements(program: program)]
        let exists = try await leaderboards.redis.pipeline(hashes.map { ["EXISTS", $0] })
        return found + zip(hashes, exists).filter { $0.1.int == 1 }.map(\.0)
    }

    private func unlink(_ keys: [String]) async throws {
        for chunk in stride(from: 0, to: keys.count, by: 1000) {
            try await leaderboards.redis.unlink(Array(keys[chunk..<min(chunk + 1000, keys.count)]))
        }
    }

    /// KEYS: the live keys to drop (ARGV[1] of them), then pairs (staged key, live key) to rename; all of one program.
    static let swap = """
        local drop = tonumber(ARGV[1])
        for i = 1, drop do redis.call('UNLINK', KEYS[i]) end
        for i = drop + 1, #KEYS, 2 do redis.call('RENAME', KEYS[i], KEYS[i + 1]) end
        return #KEYS
        """
}
