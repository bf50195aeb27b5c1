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
    /// built under this instance's settings, the members it missed are resynchronised: those this instance noted, and
    /// every member whose state in Redis is behind PostgreSQL (`Leaderboards.reconcile`) in the programs of the servers
    /// that restarted (a cluster's shard whose replica took over: that shard's programs only), or in every program when
    /// what was missed is not known (at start, past `maximumMissed`). Otherwise everything is rebuilt.
    public func repairProjectionIfNeeded() async {
        do {
            let redis = try await leaderboards.projectionState()
            // The servers whose run id is not the one Redis was last in line with (nil: never in line yet).
            let restarted = inLineWith.withLock { $0 }.map { known in Set(redis.servers.filter { known[$0.key] != $0.value }.keys) }
            if !projectionIsStale, restarted?.isEmpty == true, redis.ready != nil { return }
            // Behind from now on (lag shown, callers told) until brought back in line.
            if !projectionIsStale {
                logger.warning(redis.ready == leaderboards.readyMark ? "Redis restarted; reconciling the leaderboards it kept with PostgreSQL"
                    : "Redis lost the leaderboards; rebuilding them from PostgreSQL", metadata: ["servers": "\((restarted ?? []).sorted())"])
                staleSince.withLock { $0 = $0 ?? ContinuousClock.now }
            }
            if redis.ready == leaderboards.readyMark {
                try await catchUp(servers: redis.servers, restarted: restarted)
            } else {
                try await rebuild(servers: redis.servers)
            }
        } catch is CancellationError {
            return
        } catch {
            markProjectionStale(error)
        }
    }

    /// Resynchronises the members Redis missed, while no lane commits: those noted, then every member behind in the
    /// programs the `restarted` servers hold (every program when nil, or when every server restarted).
    private func catchUp(servers: [String: String], restarted: Set<String>?) async throws {
        try await gate.exclusive {
            let started = ContinuousClock.now
            var resynchronised = 0
            var compared = "the members this instance missed"
            let noted = missed.withLock { $0 }
            if let restarted, let noted, restarted.count < servers.count {
                let programs = try await leaderboards.programs(try await postgres.query("SELECT id FROM programs ORDER BY id").map { try $0.string("id") },
                                                               heldBy: restarted)
                for (program, ids) in noted where !programs.contains(program) {
                    let sorted = ids.sorted()
                    for start in stride(from: 0, to: sorted.count, by: 1000) {
                        try await leaderboards.resync(program: program, memberIds: Array(sorted[start..<min(start + 1000, sorted.count)]), from: postgres)
                    }
                    resynchronised += ids.count
                }
                var checked = 0
                for program in programs {
                    let summary = try await leaderboards.reconcile(program: program, from: postgres)
                    resynchronised += summary.resynchronised
                    checked += summary.checked
                }
                if !programs.isEmpty { compared += " and all \(checked) members of the \(programs.count) programs on \(restarted.sorted())" }
            } else {
                let summary = try await leaderboards.reconcile(program: nil, from: postgres)
                resynchronised = summary.resynchronised
                compared = "all \(summary.checked) members"
            }
            markInLine(with: servers)
            logger.info("Redis is back in line: the members it missed were resynchronised, without a rebuild", metadata: [
                "resynchronised": "\(resynchronised)", "compared": "\(compared)", "duration": "\(ContinuousClock.now - started)",
            ])
        }
    }

    /// Notes that Redis (its servers, by address, with their run ids) holds what PostgreSQL does.
    private func markInLine(with servers: [String: String]) {
        missed.withLock { $0 = [:] }
        inLineWith.withLock { $0 = servers }
        staleSince.withLock { $0 = nil }
        metrics.projectionLag.record(0)
        leaderboards.forgetCachedPages()
    }

    /// Replaces everything under the namespace with what PostgreSQL holds, while no lane commits.
    public func rebuild() async throws {
        try await rebuild(servers: try await leaderboards.projectionState().servers)
    }

    private func rebuild(servers: [String: String]) async throws {
        try await gate.exclusive { try await rebuildAlone(servers: servers) }
    }

    private func rebuildAlone(servers: [String: String]) async throws {
        let started = ContinuousClock.now
        let standings = try await leaderboards.rebuildNamespace(from: postgres, now: Date())
        markInLine(with: servers)
        metrics.rebuilds.increment()
        logger.info("leaderboards rebuilt from PostgreSQL", metadata: [
            "standings": "\(standings)", "duration": "\(ContinuousClock.now - started)",
        ])
    }
}
