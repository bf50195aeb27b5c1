import Foundation
import Postgres
import RallyCore

extension Leaderboards {
    /// Lists members and places them on the boards of their scopes as PostgreSQL holds them now: members who stand on
    /// boards (enrolled, not hidden) with their totals on every board of their scopes, unless Redis already applied a
    /// later revision; the others taken off every board. One round trip to PostgreSQL, one to Redis.
    func resync(program: String, memberIds: [String], from postgres: PostgresPool) async throws {
        guard !memberIds.isEmpty else { return }
        let ids = PostgresArray.literal(memberIds)
        // One snapshot: totals and revisions must agree, or a commit between the two reads would be skipped as applied.
        let (members, standings, revisions) = try await postgres.snapshot { [retention] connection in
            let members = try connection.query(
                "SELECT member_id, display_name, team, region, enrolled, visibility FROM members WHERE program_id = $1 AND member_id = ANY($2::text[])",
                [program, ids]).map { row in (id: try row.string("member_id"), listing: try Listing(row), state: try MemberState(row)) }
            return (members, try MemberTotals.standings(program: program, memberIds: memberIds, retention: retention, now: Date(), on: connection),
                    try MemberTotals.revisions(program: program, memberIds: memberIds, on: connection))
        }
        let totals = Dictionary(grouping: standings, by: \.memberId)
        var projection = Projection(keys: keys)
        projection.setListings(program: program, members.filter(\.state.isRanked).map { ($0.id, $0.listing) })
        for member in members where !member.state.isRanked {
            projection.removeListing(program: program, memberId: member.id)
        }
        projection.resync(program: program, members: members.map { member in
            MemberStandings(memberId: member.id, revision: revisions[MemberRef(program: program, id: member.id)] ?? 0,
                            scopes: member.state.scopes, totals: (totals[member.id] ?? []).map { ($0.period, $0.points) })
        })
        _ = try await send(projection, requireReady: true)
        // A listing shows on every board of the program.
        forgetCachedPages()
    }
}
