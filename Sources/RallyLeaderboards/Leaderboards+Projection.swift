import Foundation
import Postgres
import RallyCore

extension Leaderboards {
    /// Applies a commit's changes of standings to the boards (each member's in revision order) and reads the ranks
    /// asked (`1 +` the members strictly above each total on the period's program board), in one round trip; then drops
    /// the cached pages of the boards it changed. Throws when Redis fails or the projection is being rebuilt.
    package func apply(_ updates: [(program: String, update: MemberBoardChanges)],
                       ranks: [(program: String, period: Period, points: Int64)]) async throws -> Reply {
        var projection = Projection(keys: keys)
        for (program, changes) in Dictionary(grouping: updates, by: \.program).sorted(by: { $0.key < $1.key }) {
            projection.apply(program: program, updates: changes.map(\.update))
        }
        for (program, period, points) in ranks {
            projection.queryRank(program: program, period: period, points: points)
        }
        let reply = try await send(projection, requireReady: true)
        let changed = Set(updates.flatMap { $0.update.boards(program: $0.program) })
        cache.invalidate(changed)
        arounds.invalidate(changed)
        places.invalidate(changed)
        windows.invalidate(programs: Set(updates.map(\.program)))
        return reply
    }

    /// Replaces everything under the namespace with what PostgreSQL holds at `now`: the ready key goes first (boards
    /// answer 503 meanwhile), every key of the namespace is deleted, the projection written again, and the ready key set.
    /// Returns how many standings it wrote. The caller holds back whatever else writes to Redis meanwhile.
    package func rebuildNamespace(from postgres: PostgresPool, now: Date) async throws -> Int {
        forgetCachedPages()
        try await redis.send(["DEL", keys.ready])
        try await deleteKeys(matching: keys.pattern)
        let standings = try await writeProjection(program: nil, under: keys, from: postgres, now: now).standings
        try await redis.send(["SET", keys.ready, readyMark])
        return standings
    }

    /// Deletes every key matching `pattern` for which `isDeleted` holds; returns how many went.
    @discardableResult
    func deleteKeys(matching pattern: String, where isDeleted: @escaping (String) -> Bool = { _ in true }) async throws -> Int {
        var deleted = 0
        try await scanKeys(matching: pattern) { found in
            let doomed = found.filter(isDeleted)
            if !doomed.isEmpty {
                try await redis.unlink(doomed)
                deleted += doomed.count
            }
        }
        return deleted
    }

    /// Hands every key matching `pattern` to `body`, a `SCAN` batch (about a thousand) at a time.
    func scanKeys(matching pattern: String, _ body: ([String]) async throws -> Void) async throws {
        try await redis.scan(matching: pattern, count: 1000, body)
    }
}
