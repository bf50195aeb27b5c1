import Foundation
import Postgres
import RallyCore
import Redis

/// Keeping Redis a faithful projection of PostgreSQL: per-member refreshes and whole rebuilds.
extension EventWriter {
    /// Re-lists members after profile changes: names and teams, and their standings on every board when they stand
    /// there (enrolled and not hidden), or their removal from every board when they no longer do.
    func refresh(program: String, memberIds: [String]) async {
        guard !projectionIsStale, !memberIds.isEmpty else { return }
        do {
            let ids = PostgresArray.literal(memberIds)
            let (members, totals) = try await postgres.withConnection { connection in
                let members = try connection.query(
                    "SELECT member_id, display_name, team, enrolled, visibility FROM members WHERE program_id = $1 AND member_id = ANY($2::text[])",
                    [program, ids]).map { row in
                        (id: try row.string("member_id"), displayName: row.optionalString("display_name"), team: row.optionalString("team"),
                         state: MemberState(enrolled: try row.bool("enrolled"), visibility: Visibility(rawValue: try row.string("visibility")) ?? .public))
                    }
                let totals = try connection.query("""
                    SELECT member_id, period, points FROM period_totals WHERE program_id = $1 AND member_id = ANY($2::text[])
                    ORDER BY member_id, period
                    """, [program, ids]).map { row in (memberId: try row.string("member_id"), period: try row.string("period"), points: try row.int64("points")) }
                return (members, totals)
            }
            let ranked = Set(members.filter(\.state.isRanked).map(\.id))
            var projection = Projection(keys: leaderboards.keys)
            for member in members {
                if ranked.contains(member.id) {
                    projection.setListing(program: program, memberId: member.id, listing: Listing(
                        displayName: member.displayName, team: member.team, anonymous: member.state.visibility == .anonymous))
                } else {
                    projection.removeListing(program: program, memberId: member.id)
                }
            }
            // Standings already on a board stay as they are; a member shown again joins ties as the latest to reach them.
            let shown = totals.filter { ranked.contains($0.memberId) }
            let firsts = try await leaderboards.reserveSequences(shown.map { (program, $0.period, 1) })
            for (total, sequence) in zip(shown, firsts) {
                projection.setStanding(program: program, memberId: total.memberId, period: total.period, points: total.points,
                                       sequence: sequence, onlyIfAbsent: true)
            }
            for total in totals where !ranked.contains(total.memberId) {
                projection.removeStanding(program: program, memberId: total.memberId, period: total.period)
            }
            _ = try await leaderboards.send(projection, requireReady: true)
            // A listing shows on every board of the program.
            leaderboards.cache.invalidateAll()
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

        // Each board is numbered 1…n in the order its totals were reached, as the live path would have numbered them.
        var standings = 0
        let boards = try await postgres.query("SELECT DISTINCT program_id, period FROM period_totals ORDER BY program_id, period")
        for board in boards {
            let program = try board.string("program_id")
            let period = try board.string("period")
            let rows = try await postgres.query("""
                SELECT t.member_id, t.points FROM period_totals t JOIN members m USING (program_id, member_id)
                WHERE t.program_id = $1 AND t.period = $2 AND \(MemberState.rankedCondition("m"))
                ORDER BY t.reached_at, t.member_id
                """, [program, period])
            var projection = Projection(keys: keys)
            for (index, row) in rows.enumerated() {
                projection.setStanding(program: program, memberId: try row.string("member_id"), period: period,
                                       points: try row.int64("points"), sequence: Int64(index + 1))
                if projection.commands.count == chunk {
                    _ = try await leaderboards.send(projection)
                    projection = Projection(keys: keys)
                }
            }
            projection.setSequence(program: program, period: period, to: Int64(rows.count))
            _ = try await leaderboards.send(projection)
            standings += rows.count
        }
        try await redis.send(["SET", keys.ready, "1"])
        leaderboards.cache.invalidateAll()
        stale.withLock { $0 = false }
        metrics.rebuilds.increment()
        logger.info("leaderboards rebuilt from PostgreSQL", metadata: [
            "standings": "\(standings)", "duration": "\(ContinuousClock.now - started)",
        ])
    }
}
