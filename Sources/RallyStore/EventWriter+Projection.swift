import Foundation
import Postgres
import RallyCore
import Redis

/// Keeping Redis a faithful projection of PostgreSQL: per-member refreshes and whole rebuilds.
extension EventWriter {
    /// Brings members' listings and standings in line with PostgreSQL (after profile changes, or when their changes
    /// reached Redis out of order); on failure marks the projection stale.
    func refresh(program: String, memberIds: [String]) async {
        guard !projectionIsStale, !memberIds.isEmpty else { return }
        do {
            try await leaderboards.resync(program: program, memberIds: memberIds, from: postgres)
        } catch {
            markProjectionStale(error)
        }
    }

    /// Rebuilds when the projection is stale or Redis lost it (the ready key is gone).
    func repairProjectionIfNeeded() async {
        do {
            if !projectionIsStale {
                guard try await !leaderboards.isReady() else { return }
                logger.warning("Redis lost the leaderboards; rebuilding them from PostgreSQL")
            }
            try await rebuild()
        } catch is CancellationError {
            return
        } catch {
            markProjectionStale(error)
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
        leaderboards.cache.invalidateAll()
        try await redis.send(["DEL", keys.ready])
        var cursor = "0"
        repeat {
            let reply = try await redis.send(["SCAN", cursor, "MATCH", keys.pattern, "COUNT", "1000"])
            let parts = reply.array ?? []
            cursor = parts.first?.string ?? "0"
            let found = parts.count > 1 ? (parts[1].array ?? []).compactMap(\.string) : []
            if !found.isEmpty { try await redis.send(["UNLINK"] + found) }
        } while cursor != "0"

        let chunk = 5000
        var lastMember = ("", "")
        while true {
            let rows = try await postgres.query("""
                SELECT program_id, member_id, display_name, team, visibility
                FROM members m WHERE (program_id, member_id) > ($1, $2) AND \(MemberState.rankedCondition("m"))
                ORDER BY program_id, member_id LIMIT \(chunk)
                """, [lastMember.0, lastMember.1])
            guard let last = rows.last else { break }
            var projection = Projection(keys: keys)
            for row in rows {
                projection.setListing(program: try row.string("program_id"), memberId: try row.string("member_id"),
                                      listing: Listing(displayName: row.optionalString("display_name"), team: row.optionalString("team"),
                                                       anonymous: row.optionalString("visibility") == Visibility.anonymous.rawValue))
            }
            _ = try await leaderboards.send(projection)
            lastMember = (try last.string("program_id"), try last.string("member_id"))
        }

        // Each board is numbered 1…n in the order its totals were reached, as the live path would have numbered them,
        // and each member's revision is recorded, so that the next change of each applies on top.
        let (rows, revisions) = try await postgres.withConnection { connection in
            (try MemberTotals.standings(program: nil, on: connection), try MemberTotals.revisions(program: nil, on: connection))
        }
        var projection = Projection(keys: keys)
        func flushIfFull() async throws {
            guard projection.commands.count >= chunk else { return }
            _ = try await leaderboards.send(projection)
            projection = Projection(keys: keys)
        }
        for (board, standings) in MemberTotals.boards(rows) {
            for (index, row) in standings.enumerated() {
                projection.setStanding(program: board.program, memberId: row.memberId, board: board.board, points: row.points, sequence: Int64(index + 1))
                try await flushIfFull()
            }
            projection.setSequence(program: board.program, board: board.board, to: Int64(standings.count))
        }
        // Only members on the boards: the others' next change must not apply on top of an absent standing.
        var placed: Set<MemberRef> = []
        for row in rows where placed.insert(MemberRef(program: row.program, id: row.memberId)).inserted {
            let member = MemberRef(program: row.program, id: row.memberId)
            projection.setPlacement(program: row.program, memberId: row.memberId, revision: revisions[member] ?? 0, scopes: row.member.scopes)
            try await flushIfFull()
        }
        _ = try await leaderboards.send(projection)
        let standings = rows.count
        try await redis.send(["SET", keys.ready, "1"])
        leaderboards.cache.invalidateAll()
        staleSince.withLock { $0 = nil }
        metrics.projectionLag.record(0)
        metrics.rebuilds.increment()
        logger.info("leaderboards rebuilt from PostgreSQL", metadata: [
            "standings": "\(standings)", "duration": "\(ContinuousClock.now - started)",
        ])
    }
}
