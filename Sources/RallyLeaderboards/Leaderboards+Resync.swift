import Foundation
import Postgres
import RallyCore
import RallyStorage
import Redis

extension Leaderboards {
    /// Lists members and places them on the boards of their scopes as PostgreSQL holds them now: members who stand on
    /// boards (enrolled, not hidden) with their totals on every board of their scopes, unless Redis already applied a
    /// later revision; the others taken off every board. One round trip to PostgreSQL, one to Redis.
    package func resync(program: String, memberIds: [String], from postgres: PostgresPool) async throws {
        guard !memberIds.isEmpty else { return }
        // One snapshot: totals and revisions must agree, or a commit between the two reads would be skipped as applied.
        let (members, standings, revisions) = try await postgres.snapshot { [retention] connection in
            let members = try connection.rows(MembersAsListed(program: program, memberIds: memberIds))
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
            MemberTotalsAtRevision(memberId: member.id, revision: revisions[MemberRef(program: program, id: member.id)] ?? 0,
                            scopes: member.state.scopes, totals: (totals[member.id] ?? []).map { ($0.period, $0.points) })
        })
        _ = try await send(projection, requireReady: true)
        // A listing shows on every board of the program.
        forgetCachedPages()
    }
}

/// What a reconciliation found: how many members it compared, and how many of them it resynchronised.
package struct ReconcileSummary: Equatable {
    package var checked = 0
    package var resynchronised = 0
}

extension Leaderboards {
    /// Resynchronises every member (of every program, or of one) whose revision, placement or listing in Redis is
    /// behind what PostgreSQL holds: what an instance that stopped between a commit and its pipeline left behind, or a
    /// Redis that restarted from a snapshot older than what it had acknowledged. Reads the members through a cursor a
    /// chunk at a time, and Redis with one pipeline per chunk: far cheaper than a rebuild, and it keeps the boards'
    /// order among ties for every member already in line.
    package func reconcile(program: String?, from postgres: PostgresPool) async throws -> ReconcileSummary {
        try await postgres.withSession { session in
            try await session.run { connection in
                try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                try connection.execute("SET LOCAL cursor_tuple_fraction = 1; SET LOCAL statement_timeout = 0")
                try connection.declareCursor("members", for: ExpectedPlacements(program: program))
            }
            var summary = ReconcileSummary()
            while case let rows = try await session.run({ try $0.query("FETCH \(Self.rebuildChunk) FROM members") }), !rows.isEmpty {
                var chunk: [String: [ExpectedPlacement]] = [:]
                for row in rows {
                    chunk[try row.string("program_id"), default: []].append(try ExpectedPlacement(row))
                }
                for (program, members) in chunk {
                    let behind = try await self.behind(program: program, members)
                    summary.checked += members.count
                    summary.resynchronised += behind.count
                    for start in stride(from: 0, to: behind.count, by: 1000) {
                        try await resync(program: program, memberIds: Array(behind[start..<min(start + 1000, behind.count)]), from: postgres)
                    }
                }
            }
            try await session.run { try $0.execute("COMMIT") }
            return summary
        }
    }

    /// The members of one program whose revision, placement or listing in Redis is not what PostgreSQL implies.
    private func behind(program: String, _ members: [ExpectedPlacement]) async throws -> [String] {
        let ids = members.map(\.memberId)
        let replies = try await redis.pipeline([
            ["HMGET", keys.revisions(program: program)] + ids,
            ["HMGET", keys.placements(program: program)] + ids,
            ["HMGET", keys.listings(program: program)] + ids,
        ])
        for reply in replies {
            if case let .error(message) = reply { throw RedisError(kind: .reply, message: message) }
        }
        let (revisions, placements, listings) = (replies[0].array ?? [], replies[1].array ?? [], replies[2].array ?? [])
        guard revisions.count == ids.count, placements.count == ids.count, listings.count == ids.count else {
            throw RedisError(kind: .reply, message: "HMGET answered another number of fields than asked")
        }
        return members.enumerated().compactMap { index, member in
            member.isHeld(revision: revisions[index].string, placement: placements[index].string, listing: listings[index].string)
                ? nil : member.memberId
        }
    }
}

/// A member as PostgreSQL says the projection should hold them: listed and placed on the boards of their scopes at
/// their revision when ranked, absent otherwise.
struct ExpectedPlacement {
    var memberId: String
    var listing: Listing
    var state: MemberSnapshot
    var revision: Int64

    init(_ row: PostgresRow) throws {
        self.init(memberId: try row.string("member_id"), listing: try Listing(row), state: try MemberSnapshot(row), revision: try row.int64("revision"))
    }

    init(memberId: String, listing: Listing, state: MemberSnapshot, revision: Int64) {
        self.memberId = memberId
        self.listing = listing
        self.state = state
        self.revision = revision
    }

    /// Whether Redis's revision, placement and listing of the member (nil where absent) hold what PostgreSQL implies: a
    /// later revision is fine (another instance committed since the snapshot); a ranked member without totals may not
    /// be placed yet.
    func isHeld(revision applied: String?, placement: String?, listing stored: String?) -> Bool {
        guard state.isRanked else { return applied == nil && placement == nil && stored == nil }
        guard stored == listing.stored else { return false }
        if revision == 0 && applied.map({ $0 == "0" }) ?? true {
            return placement == nil || placement == Projection.placement(state.scopes)
        }
        return (applied.flatMap { Int64($0) } ?? 0) >= revision && placement == Projection.placement(state.scopes)
    }
}
