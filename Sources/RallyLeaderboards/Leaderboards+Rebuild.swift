import Foundation
import Postgres
import RallyCore
import RallyStorage

/// What a rebuild wrote: how many standings, and the revision of each member's standings it wrote them at.
struct RebuildSummary {
    package var standings = 0
    var revisions: [MemberRef: Int64] = [:]
}

/// A tracked period of a program: the boards of all its scopes share its update counter.
private struct ProgramPeriod: Hashable {
    var program: String
    var period: String
}

extension Leaderboards {
    /// Writes the projection of every program (`program` nil) or of one under `keys`, as one PostgreSQL snapshot holds
    /// it at `now`: listings, every kept board with its standings numbered in the order they were reached (each period's
    /// 1…n over all its scopes, as the live path numbers them) and its counter, and each ranked member's placement and
    /// revision, so that their next change applies on top. Used by the writer's rebuild of the whole namespace and by
    /// `LeaderboardMaintenance`'s rebuild of one program under staging keys. Rows are read through cursors a chunk at a
    /// time and sent to Redis as they come, PostgreSQL reading the next chunk and Redis writing the last while this one
    /// is handled: memory grows with the program by one small entry per ranked member (the boards they stand on).
    func writeProjection(program: String?, under keys: LeaderboardKeys, from postgres: PostgresPool, now: Date) async throws -> RebuildSummary {
        try await postgres.withSession { session in
            var summary = RebuildSummary()
            let chunk = Self.rebuildChunk
            try await session.run { [retention] connection in
                try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                // Plan the cursors for reading every row, not for a fast first chunk (the default for cursors); the first
                // chunk of standings waits for them all to be sorted (minutes for millions: no statement time-out), in
                // memory where they fit.
                try connection.execute("SET LOCAL cursor_tuple_fraction = 1; SET LOCAL statement_timeout = 0; SET LOCAL work_mem = '256MB'")
                try connection.declareCursor("listings", for: RankedListings(program: program))
                try connection.declareCursor("standings", for: ReachedStandings(query: .load(program: program, retention: retention, now: now, on: connection)))
                try connection.declareCursor("placements", for: Placements(program: program))
            }
            // Each chunk goes to Redis as a few commands (one per board or hash it touches): one chunk in flight at a time.
            var inFlight: Task<Void, any Error>?
            func send(_ build: (inout Projection) throws -> Void) async throws {
                var projection = Projection(keys: keys)
                // One round per chunk: Redis runs its commands back to back while the next chunk is read, and another
                // client waits behind one command at most (a board's share of the chunk: milliseconds).
                projection.roundArguments = .max
                try build(&projection)
                try await inFlight?.value
                inFlight = Task { [projection] in _ = try await self.send(projection) }
            }
            defer { inFlight?.cancel() }
            // Each listed member's boards, kept to place their standings: scope lists are few, so each is kept once.
            var scopeLists: [[BoardScope]: Int] = [:]
            var memberScopes: [MemberRef: Int] = [:]
            try await session.forEachChunk(of: "listings", count: chunk) { rows in
                try await send { projection in
                    var listings: [String: [(memberId: String, listing: Listing)]] = [:]
                    for row in rows {
                        let member = MemberRef(program: try row.string("program_id"), id: try row.string("member_id"))
                        listings[member.program, default: []].append((member.id, try Listing(row)))
                        let scopes = try MemberSnapshot(row).scopes
                        memberScopes[member] = scopeLists[scopes] ?? { scopeLists[scopes] = scopeLists.count; return scopeLists.count - 1 }()
                    }
                    for (program, listings) in listings { projection.setListings(program: program, listings) }
                }
            }
            let scopes = scopeLists.sorted { $0.value < $1.value }.map(\.key)
            // Standings come in reached order: a period's counter is its count so far, and each standing's key is the same
            // on the board of every scope (as the live path sets it).
            var counts: [ProgramPeriod: Int64] = [:]
            try await session.forEachChunk(of: "standings", count: chunk) { rows in
                try await send { projection in
                    var standings: [Board: [(memberId: String, score: String)]] = [:]
                    for row in rows {
                        let member = MemberRef(program: try row.string("program_id"), id: try row.string("member_id"))
                        guard let listed = memberScopes[member] else { continue }
                        let period = ProgramPeriod(program: member.program, period: try row.string("period"))
                        let sequence = counts[period, default: 0] + 1
                        counts[period] = sequence
                        let score = Leaderboards.number(StandingKey(points: try row.int64("points"), sequence: sequence).value)
                        for scope in scopes[listed] {
                            standings[Board(program: member.program, scope: scope, period: period.period), default: []].append((member.id, score))
                        }
                        summary.standings += 1
                    }
                    for (board, entries) in standings { projection.setStandings(on: board, entries) }
                }
            }
            // A period's counter goes on from its count: later updates come after every rebuilt total.
            let periods = Array(counts)
            for start in stride(from: 0, to: periods.count, by: chunk) {
                try await send { projection in
                    for (period, count) in periods[start..<min(start + chunk, periods.count)] {
                        projection.setSequence(program: period.program, period: period.period, to: count)
                    }
                }
            }
            try await session.forEachChunk(of: "placements", count: chunk) { rows in
                try await send { projection in
                    var placements: [String: [(memberId: String, revision: Int64, scopes: [BoardScope])]] = [:]
                    for row in rows {
                        let member = MemberRef(program: try row.string("program_id"), id: try row.string("member_id"))
                        let revision = try row.int64("revision")
                        summary.revisions[member] = revision
                        let state = try MemberSnapshot(row)
                        if state.isRanked { placements[member.program, default: []].append((member.id, revision, state.scopes)) }
                    }
                    for (program, members) in placements { projection.setPlacements(program: program, members) }
                }
            }
            try await inFlight?.value
            try await session.run { try $0.execute("COMMIT") }
            return summary
        }
    }

    /// Rows read per round trip to PostgreSQL (and sent to Redis in one pipeline).
    static let rebuildChunk = 20_000

    /// Resynchronises the members whose revision in PostgreSQL moved since a rebuild read them (of every program, or of
    /// one): another instance may have applied their changes to boards the rebuild then overwrote. Returns how many.
    func resyncChanged(since rebuilt: RebuildSummary, program: String?, from postgres: PostgresPool) async throws -> Int {
        let now = try await postgres.withConnection { try MemberTotals.revisions(program: program, on: $0) }
        let changed = now.filter { rebuilt.revisions[$0.key] != $0.value }.map(\.key)
        for (program, members) in Dictionary(grouping: changed, by: \.program) {
            let ids = members.map(\.id).sorted()
            for start in stride(from: 0, to: ids.count, by: 1000) {
                try await resync(program: program, memberIds: Array(ids[start..<min(start + 1000, ids.count)]), from: postgres)
            }
        }
        return changed.count
    }
}
