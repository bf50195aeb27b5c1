import Foundation
import Postgres
import RallyCore

/// What a rebuild reads from PostgreSQL and writes to Redis, for every program or one: used by the writer's rebuild
/// of the whole namespace and by `LeaderboardMaintenance`'s rebuild of one program under staging keys.
struct ProjectionSource {
    /// Ranked members (enrolled, not hidden) and how boards list them.
    var listings: [(program: String, memberId: String, listing: Listing)]
    /// Every ranked member's total on every period, ordered as `MemberTotals.standings` returns them.
    var standings: [MemberTotals.Standing]
    var revisions: [MemberRef: Int64]

    /// Reads the projection of every program (`program` nil) or of one, the boards Redis keeps at `now`; run it in a
    /// snapshot, so that standings and revisions agree.
    static func read(program: String?, retention: BoardRetention, now: Date, on connection: PostgresConnection) throws -> ProjectionSource {
        let members = try connection.query("""
            SELECT program_id, member_id, display_name, team, visibility FROM members m
            WHERE \(program == nil ? "true" : "program_id = $1") AND \(MemberState.rankedCondition("m"))
            """, program.map { [$0] } ?? []).map { row in
                (program: try row.string("program_id"), memberId: try row.string("member_id"),
                 listing: Listing(displayName: row.optionalString("display_name"), team: row.optionalString("team"),
                                  anonymous: try row.string("visibility") == Visibility.anonymous.rawValue))
            }
        return ProjectionSource(listings: members, standings: try MemberTotals.standings(program: program, retention: retention, now: now, on: connection),
                                revisions: try MemberTotals.revisions(program: program, on: connection))
    }
}

extension Leaderboards {
    /// Resynchronises the members whose revision in PostgreSQL moved since `source` was read (of every program, or of
    /// one): another instance may have applied their changes to boards a rebuild then overwrote. Returns how many.
    func resyncChanged(since source: ProjectionSource, program: String?, from postgres: PostgresPool) async throws -> Int {
        let now = try await postgres.withConnection { try MemberTotals.revisions(program: program, on: $0) }
        let changed = now.filter { source.revisions[$0.key] != $0.value }.map(\.key)
        for (program, members) in Dictionary(grouping: changed, by: \.program) {
            let ids = members.map(\.id).sorted()
            for start in stride(from: 0, to: ids.count, by: 1000) {
                try await resync(program: program, memberIds: Array(ids[start..<min(start + 1000, ids.count)]), from: postgres)
            }
        }
        return changed.count
    }

    /// Writes a projection under `keys` in pipelines of a few thousand commands: listings, every board with its
    /// standings numbered 1…n in the order they were reached (as the live path numbers them) and its counter, and each
    /// ranked member's placement and revision, so that their next change applies on top.
    func write(_ source: ProjectionSource, under keys: LeaderboardKeys) async throws {
        var projection = Projection(keys: keys)
        func flushIfFull() async throws {
            guard projection.commands.count >= 5000 else { return }
            _ = try await send(projection)
            projection = Projection(keys: keys)
        }
        for member in source.listings {
            projection.setListing(program: member.program, memberId: member.memberId, listing: member.listing)
            try await flushIfFull()
        }
        for (board, standings) in MemberTotals.boards(source.standings) {
            for (index, row) in standings.enumerated() {
                projection.setStanding(program: board.program, memberId: row.memberId, board: board.board, points: row.points, sequence: Int64(index + 1))
                try await flushIfFull()
            }
            projection.setSequence(program: board.program, board: board.board, to: Int64(standings.count))
        }
        var placed: Set<MemberRef> = []
        for row in source.standings where placed.insert(MemberRef(program: row.program, id: row.memberId)).inserted {
            let member = MemberRef(program: row.program, id: row.memberId)
            projection.setPlacement(program: row.program, memberId: row.memberId, revision: source.revisions[member] ?? 0, scopes: row.member.scopes)
            try await flushIfFull()
        }
        _ = try await send(projection)
    }
}
