import Foundation
import Postgres
import RallyCore
import Redis

/// Keeping Redis a faithful projection of PostgreSQL: per-member refreshes and whole rebuilds.
extension EventWriter {
    /// Brings members' listings and standings in line with PostgreSQL (after profile changes, or when their changes
    /// reached Redis out of order): members who stand on boards (enrolled, not hidden) are listed with their totals on
    /// every board, unless Redis already applied a later revision; the others are removed from every board at once.
    func refresh(program: String, memberIds: [String]) async {
        guard !projectionIsStale, !memberIds.isEmpty else { return }
        do {
            let ids = PostgresArray.literal(memberIds)
            let (members, standings, revisions) = try await postgres.withConnection { connection in
                let members = try connection.query(
                    "SELECT member_id, display_name, team, enrolled, visibility FROM members WHERE program_id = $1 AND member_id = ANY($2::text[])",
                    [program, ids]).map { row in
                        (id: try row.string("member_id"), displayName: row.optionalString("display_name"), team: row.optionalString("team"),
                         state: MemberState(enrolled: try row.bool("enrolled"), visibility: Visibility(rawValue: try row.string("visibility")) ?? .public))
                    }
                return (members, try MemberTotals.standings(program: program, memberIds: memberIds, on: connection),
                        try MemberTotals.revisions(program: program, memberIds: memberIds, on: connection))
            }
            let totals = Dictionary(grouping: standings, by: \.memberId)
            var projection = Projection(keys: leaderboards.keys)
            var shown: [MemberStandings] = []
            for member in members {
                let boards = (totals[member.id] ?? []).map { ($0.period, $0.points) }
                if member.state.isRanked {
                    projection.setListing(program: program, memberId: member.id, listing: Listing(
                        displayName: member.displayName, team: member.team, anonymous: member.state.visibility == .anonymous))
                    shown.append(MemberStandings(memberId: member.id, revision: revisions[MemberRef(program: program, id: member.id)] ?? 0,
                                                 totals: boards))
                } else {
                    projection.removeMember(program: program, memberId: member.id, periods: boards.map(\.0))
                }
            }
            projection.resync(program: program, members: shown)
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
        for board in Self.runs(of: rows) {
            for (index, row) in board.enumerated() {
                projection.setStanding(program: row.program, memberId: row.memberId, period: row.period, points: row.points, sequence: Int64(index + 1))
                try await flushIfFull()
            }
            if let first = board.first { projection.setSequence(program: first.program, period: first.period, to: Int64(board.count)) }
        }
        // Only members on the boards: the others' next change must not apply on top of an absent standing.
        let ranked = Set(rows.map { MemberRef(program: $0.program, id: $0.memberId) })
        for (member, revision) in revisions where ranked.contains(member) {
            projection.setRevision(program: member.program, memberId: member.id, revision: revision)
            try await flushIfFull()
        }
        _ = try await leaderboards.send(projection)
        let standings = rows.count
        try await redis.send(["SET", keys.ready, "1"])
        leaderboards.cache.invalidateAll()
        stale.withLock { $0 = false }
        metrics.rebuilds.increment()
        logger.info("leaderboards rebuilt from PostgreSQL", metadata: [
            "standings": "\(standings)", "duration": "\(ContinuousClock.now - started)",
        ])
    }

    /// Consecutive standings of one board each (`standings` come ordered by board).
    private static func runs(of standings: [MemberTotals.Standing]) -> [ArraySlice<MemberTotals.Standing>] {
        var runs: [ArraySlice<MemberTotals.Standing>] = []
        var start = standings.startIndex
        for index in standings.indices.dropFirst()
        where (standings[index].program, standings[index].period) != (standings[index - 1].program, standings[index - 1].period) {
            runs.append(standings[start..<index])
            start = index
        }
        if start < standings.endIndex { runs.append(standings[start...]) }
        return runs
    }
}
