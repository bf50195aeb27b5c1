import Foundation
import Postgres
import RallyCore
import Redis

/// Keeping Redis a faithful projection of PostgreSQL: per-member refreshes and whole rebuilds.
extension EventWriter {
    /// Re-lists one member and re-sends their standings (or removes them when hidden).
    func refresh(program: String, memberId: String) async {
        guard !projectionIsStale, let context = try? await programs.context(program) else { return }
        do {
            let (member, totals) = try await postgres.withConnection { connection in
                let member = try connection.query(
                    "SELECT display_name, team, visibility FROM members WHERE program_id = $1 AND member_id = $2", [program, memberId]).first
                    .map { row in (displayName: row.optionalString("display_name"), team: row.optionalString("team"),
                                   visibility: Visibility(rawValue: try row.string("visibility")) ?? .public) }
                let totals = try connection.query(
                    "SELECT period, points, extract(epoch FROM reached_at) AS reached_at FROM period_totals WHERE program_id = $1 AND member_id = $2",
                    [program, memberId]).map { row in (period: try row.string("period"), points: try row.int64("points"),
                                                       reachedAt: Date(timeIntervalSince1970: try row.double("reached_at"))) }
                return (try member, totals)
            }
            var projection = Projection(keys: leaderboards.keys)
            if let member, member.visibility != .hidden {
                projection.setListing(program: program, memberId: memberId,
                                      listing: Listing(displayName: member.displayName, team: member.team, anonymous: member.visibility == .anonymous))
                for total in totals {
                    guard let period = context.calendar.period(forKey: total.period) else { continue }
                    projection.setStanding(program: program, memberId: memberId, period: period, points: total.points, reachedAt: total.reachedAt)
                }
            } else {
                projection.removeListing(program: program, memberId: memberId)
                for total in totals { projection.removeStanding(program: program, memberId: memberId, period: total.period) }
            }
            _ = try await leaderboards.send(projection, requireReady: true)
        } catch {
            markProjectionStale(error)
        }
    }

    /// Rebuilds when the projection is stale or Redis lost it (the ready key is gone).
    func repairProjectionIfNeeded() async {
        do {
            if !projectionIsStale {
                guard try await leaderboards.redis.send(["EXISTS", leaderboards.keys.ready]).int == 0 else { return }
                logger.warning("Redis lost the leaderboards; rebuilding them from PostgreSQL")
            }
            try await rebuild()
        } catch {
            markProjectionStale(error)
        }
    }

    /// Replaces everything under the namespace with what PostgreSQL holds. Runs in the writer loop, so no commit interleaves.
    public func rebuild() async throws {
        let started = ContinuousClock.now
        let keys = leaderboards.keys
        let redis = leaderboards.redis
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
                SELECT program_id, member_id, display_name, team, visibility FROM members
                WHERE (program_id, member_id) > ($1, $2) AND visibility <> 'hidden'
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

        var lastTotal = ("", "", "")
        var standings = 0
        while true {
            let rows = try await postgres.query("""
                SELECT t.program_id, t.member_id, t.period, t.points, extract(epoch FROM t.reached_at) AS reached_at
                FROM period_totals t JOIN members m USING (program_id, member_id)
                WHERE (t.program_id, t.member_id, t.period) > ($1, $2, $3) AND m.visibility <> 'hidden'
                ORDER BY t.program_id, t.member_id, t.period LIMIT \(chunk)
                """, [lastTotal.0, lastTotal.1, lastTotal.2])
            guard let last = rows.last else { break }
            var projection = Projection(keys: keys)
            for row in rows {
                let program = try row.string("program_id")
                guard let context = try await programs.context(program),
                      let period = context.calendar.period(forKey: try row.string("period")) else { continue }
                projection.setStanding(program: program, memberId: try row.string("member_id"), period: period,
                                       points: try row.int64("points"), reachedAt: Date(timeIntervalSince1970: try row.double("reached_at")))
            }
            _ = try await leaderboards.send(projection)
            standings += rows.count
            lastTotal = (try last.string("program_id"), try last.string("member_id"), try last.string("period"))
        }
        try await redis.send(["SET", keys.ready, "1"])
        state.withLock { $0.projectionStale = false }
        metrics.rebuilds.increment()
        logger.info("leaderboards rebuilt from PostgreSQL", metadata: [
            "standings": "\(standings)", "duration": "\(ContinuousClock.now - started)",
        ])
    }
}
