import Foundation
import Postgres
import RallyCore
import RallyLeaderboards
import RallyStorage

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

    /// Brings Redis back in line when the projection is stale, Redis restarted or lost it. When Redis kept a projection
    /// built under this instance's settings, the members it missed are resynchronised: those this instance noted, or,
    /// when they are not known (at start, after a restart of Redis, past `maximumMissed`), every member whose state in
    /// Redis is behind PostgreSQL (`Leaderboards.reconcile`). Otherwise everything is rebuilt.
    public func repairProjectionIfNeeded() async {
        do {
            let redis = try await leaderboards.projectionState()
            let restarted = inLineWith.withLock { $0 } != redis.server
            if !projectionIsStale, !restarted, redis.ready != nil { return }
            // Behind from now on (lag shown, callers told) until brought back in line.
            if !projectionIsStale {
                logger.warning(redis.ready == leaderboards.readyMark ? "Redis restarted; reconciling the leaderboards it kept with PostgreSQL"
                    : "Redis lost the leaderboards; rebuilding them from PostgreSQL")
                staleSince.withLock { $0 = $0 ?? ContinuousClock.now }
            }
            if redis.ready == leaderboards.readyMark {
                try await catchUp(server: redis.server, everyone: restarted)
            } else {
                try await rebuild(server: redis.server)
            }
        } catch is CancellationError {
            return
        } catch {
            markProjectionStale(error)
        }
    }

    /// Resynchronises the members Redis missed (`everyone`: all whose state in Redis is behind), while no lane commits.
    private func catchUp(server: String, everyone: Bool) async throws {
        try await gate.exclusive {
            let started = ContinuousClock.now
            var resynchronised = 0
            var compared = "the members this instance missed"
            if !everyone, let members = missed.withLock({ $0 }) {
                for (program, ids) in members {
                    let sorted = ids.sorted()
                    for start in stride(from: 0, to: sorted.count, by: 1000) {
                        try await leaderboards.resync(program: program, memberIds: Array(sorted[start..<min(start + 1000, sorted.count)]), from: postgres)
                    }
                    resynchronised += ids.count
                }
            } else {
                let summary = try await leaderboards.reconcile(program: nil, from: postgres)
                resynchronised = summary.resynchronised
                compared = "all \(summary.checked) members"
            }
            markInLine(with: server)
            logger.info("Redis is back in line: the members it missed were resynchronised, without a rebuild", metadata: [
                "resynchronised": "\(resynchronised)", "compared": "\(compared)", "duration": "\(ContinuousClock.now - started)",
            ])
        }
    }

    /// Notes that Redis (server `server`) holds what PostgreSQL does.
    private func markInLine(with server: String) {
        missed.withLock { $0 = [:] }
        inLineWith.withLock { $0 = server }
        staleSince.withLock { $0 = nil }
        metrics.projectionLag.record(0)
        leaderboards.forgetCachedPages()
    }

    /// Replaces everything under the namespace with what PostgreSQL holds, while no lane commits.
    public func rebuild() async throws {
        try await rebuild(server: try await leaderboards.projectionState().server)
    }

    private func rebuild(server: String) async throws {
        try await gate.exclusive { try await rebuildAlone(server: server) }
    }

    private func rebuildAlone(server: String) async throws {
        let started = ContinuousClock.now
        let standings = try await leaderboards.rebuildNamespace(from: postgres, now: Date())
        markInLine(with: server)
        metrics.rebuilds.increment()
        logger.info("leaderboards rebuilt from PostgreSQL", metadata: [
            "standings": "\(standings)", "duration": "\(ContinuousClock.now - started)",
        ])
    }
}
