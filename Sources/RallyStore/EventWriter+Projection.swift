import Foundation
import Postgres
import RallyCore
import Redis

/// Keeping Redis a faithful projection of PostgreSQL: per-member refreshes and whole rebuilds.
extension EventWriter {
    /// Brings members' listings and standings in line with PostgreSQL (after profile changes, or when their changes
    /// reached Redis out of order); on failure marks the projection stale.
    func refresh(program: String, memberIds: [String]) async {
        let members = memberIds.map { MemberRef(program: program, id: $0) }
        guard !projectionIsStale else { return recordMissed(members) }
        guard !memberIds.isEmpty else { return }
        do {
            try await leaderboards.resync(program: program, memberIds: memberIds, from: postgres)
        } catch {
            markProjectionStale(error, missing: members)
        }
    }

    /// Brings Redis back in line when the projection is stale or Redis lost it (the ready key is gone): when Redis kept
    /// its data and the members it missed are known, only they are resynchronised; otherwise everything is rebuilt.
    func repairProjectionIfNeeded() async {
        do {
            if !projectionIsStale {
                guard try await !leaderboards.isReady() else { return }
                logger.warning("Redis lost the leaderboards; rebuilding them from PostgreSQL")
            } else if try await leaderboards.isReady(), try await catchUp() {
                return
            }
            try await rebuild()
        } catch is CancellationError {
            return
        } catch {
            markProjectionStale(error)
        }
    }

    /// Resynchronises the members Redis missed, while no lane commits; false when they are not known (a rebuild is due).
    private func catchUp() async throws -> Bool {
        try await gate.exclusive {
            guard let members = missed.withLock({ $0 }) else { return false }
            for (program, ids) in members {
                let sorted = ids.sorted()
                for start in stride(from: 0, to: sorted.count, by: 1000) {
                    try await leaderboards.resync(program: program, memberIds: Array(sorted[start..<min(start + 1000, sorted.count)]), from: postgres)
                }
            }
            missed.withLock { $0 = [:] }
            staleSince.withLock { $0 = nil }
            metrics.projectionLag.record(0)
            leaderboards.forgetCachedPages()
            logger.info("Redis is back in line: the members it missed were resynchronised, without a rebuild",
                        metadata: ["members": "\(members.values.reduce(0) { $0 + $1.count })"])
            return true
        }
    }

    /// Replaces everything under the namespace with what PostgreSQL holds, while no lane commits.
    public func rebuild() async throws {
        try await gate.exclusive { try await rebuildAlone() }
    }

    private func rebuildAlone() async throws {
        let started = ContinuousClock.now
        let keys = leaderboards.keys
        let redis = leaderboards.redis
        leaderboards.forgetCachedPages()
        try await redis.send(["DEL", keys.ready])
        var cursor = "0"
        repeat {
            let reply = try await redis.send(["SCAN", cursor, "MATCH", keys.pattern, "COUNT", "1000"])
            let parts = reply.array ?? []
            cursor = parts.first?.string ?? "0"
            let found = parts.count > 1 ? (parts[1].array ?? []).compactMap(\.string) : []
            if !found.isEmpty { try await redis.send(["UNLINK"] + found) }
        } while cursor != "0"

        let standings = try await leaderboards.writeProjection(program: nil, under: keys, from: postgres, now: Date()).standings
        try await redis.send(["SET", keys.ready, "1"])
        leaderboards.forgetCachedPages()
        staleSince.withLock { $0 = nil }
        missed.withLock { $0 = [:] }
        metrics.projectionLag.record(0)
        metrics.rebuilds.increment()
        logger.info("leaderboards rebuilt from PostgreSQL", metadata: [
            "standings": "\(standings)", "duration": "\(ContinuousClock.now - started)",
        ])
    }
}
