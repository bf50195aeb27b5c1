import Foundation
import Metrics
import RallyCore
@testable import RallyLeaderboards
@testable import RallyLedger
@testable import RallyStorage
import RallyTestSupport
import Redis
import Testing

/// `rally rebuild-leaderboards` and `rally check-leaderboards`: boards rebuilt and swapped in whole, differences found
/// exactly and repaired, while a writer keeps recording.
@Suite("Leaderboard maintenance")
struct LeaderboardMaintenanceTests {
    static func maintenance(_ stores: StoreTestEnvironment) -> LeaderboardMaintenance {
        LeaderboardMaintenance(postgres: stores.postgres, redis: stores.redis, namespace: stores.leaderboards.keys.namespace,
                               logger: StoreTestEnvironment.logger)
    }

    /// Every board of the program in Redis: board → members best first with their points.
    static func snapshot(_ stores: StoreTestEnvironment, program: String) async throws -> [String: [String]] {
        let prefix = stores.leaderboards.keys.boardPrefix(program: program)
        var boards: [String: [String]] = [:]
        var cursor = "0"
        repeat {
            let reply = try await stores.redis.send(["SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"])
            cursor = reply.array?.first?.string ?? "0"
            for key in (reply.array?.dropFirst().first?.array ?? []).compactMap(\.string) {
                let pairs = try await stores.redis.send(["ZREVRANGE", key, "0", "-1", "WITHSCORES"]).array ?? []
                boards[String(key.dropFirst(prefix.count))] = stride(from: 0, to: pairs.count - 1, by: 2).map { index in
                    "\(pairs[index].string ?? "?")=\(pairs[index + 1].double.map { StandingKey(value: $0).points } ?? -1)"
                }
            }
        } while cursor != "0"
        return boards
    }

    static func record(_ stores: StoreTestEnvironment, _ program: ProgramContext, _ events: [(String, String, String)]) async throws {
        for (id, member, action) in events {
            let event = Event(id: id, memberId: member, action: action, network: nil, contentId: nil, occurredAt: Date(), tags: [])
            _ = try await stores.writer.record([EventSubmission(program: program, event: event, receivedAt: Date())])
        }
    }

    @Test func aRebuiltProgramHasTheSameBoardsTieForTie() async throws {
        try await StoreTestEnvironment.run(lanes: 2) { stores in
            try await stores.writer.rebuild()
            let program = try await stores.program(members: ["ana", "ben", "cid", "dee"])
            try await Self.record(stores, program, [("e1", "dee", "comment"), ("e2", "ana", "post"), ("e3", "ben", "share"), ("e4", "cid", "share")])
            let before = try await Self.snapshot(stores, program: program.id)
            #expect(before["m/all"] == ["ana=25", "ben=10", "cid=10", "dee=5"])
            // Redis drifts: a board lost, a total changed, a stranger listed.
            let keys = stores.leaderboards.keys
            _ = try await stores.redis.send(["DEL", keys.key(for: Board(program: program.id, period: program.calendar.period(.week, containing: Date()).key))])
            _ = try await stores.redis.send(["ZADD", keys.key(for: Board(program: program.id, period: "all")), "1", "ben"])
            _ = try await stores.redis.send(["ZADD", keys.key(for: Board(program: program.id, period: "all")), "99999999999999", "mallory"])
            #expect(try await Self.snapshot(stores, program: program.id) != before)

            let standings = try await Self.maintenance(stores).rebuild(program: program.id)
            #expect(standings == 4 * 6, "four members on six boards")
            #expect(try await Self.snapshot(stores, program: program.id) == before)
            // The live path goes on on top of the rebuilt boards.
            try await Self.record(stores, program, [("e5", "cid", "like")])
            #expect(try await Self.snapshot(stores, program: program.id)["m/all"] == ["ana=25", "cid=11", "ben=10", "dee=5"])
        }
    }

    @Test func checkFindsEachDifferenceAndRepairMendsIt() async throws {
        try await StoreTestEnvironment.run(lanes: 2) { stores in
            try await stores.writer.rebuild()
            let program = try await stores.program(members: ["ana", "ben"])
            try await Self.record(stores, program, [("e1", "ana", "post"), ("e2", "ben", "share")])
            let maintenance = Self.maintenance(stores)
            #expect(try await maintenance.check(program: program.id) == [])

            let keys = stores.leaderboards.keys
            let year = program.calendar.period(.year, containing: Date()).key
            _ = try await stores.redis.send(["ZREM", keys.key(for: Board(program: program.id, period: year)), "ben"])
            _ = try await stores.redis.send(["ZADD", keys.key(for: Board(program: program.id, period: "all")), String(Int64(7) << 32), "ana"])
            _ = try await stores.redis.send(["ZADD", keys.key(for: Board(program: program.id, period: "all")), String(Int64(3) << 32), "mallory"])
            // A board of a period past keeping is no longer maintained, so it is no difference (pruning deletes it).
            _ = try await stores.redis.send(["ZADD", keys.key(for: Board(program: program.id, period: "2020-01-06")), String(Int64(3) << 32), "ana"])
            let differences = try await maintenance.check(program: program.id)
            #expect(differences == [
                LeaderboardDifference(program: program.id, board: "m/\(year)", memberId: "ben", expected: 10, found: nil),
                LeaderboardDifference(program: program.id, board: "m/all", memberId: "ana", expected: 25, found: 7),
                LeaderboardDifference(program: program.id, board: "m/all", memberId: "mallory", expected: nil, found: 3),
            ].sorted { ($0.board, $0.memberId) < ($1.board, $1.memberId) })
            // ana and ben are resynchronised; a stranger no member record names takes a rebuild (as the command does).
            let left = try await maintenance.repair(program: program.id, differences)
            #expect(left.map(\.memberId) == ["mallory"])
            try await maintenance.rebuild(program: program.id)
            #expect(try await maintenance.check(program: program.id) == [])
        }
    }

    @Test func aRebuildWhileEventsArriveLeavesNoDifference() async throws {
        try await StoreTestEnvironment.run(lanes: 2) { stores in
            try await stores.writer.rebuild()
            let members = (0..<10).map { "m\($0)" }
            let program = try await stores.program(members: members)
            let maintenance = Self.maintenance(stores)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for index in 0..<200 {
                        try await Self.record(stores, program, [("e\(index)", members[index % members.count], ["post", "like", "share"][index % 3])])
                    }
                }
                group.addTask {
                    for _ in 0..<3 { try await maintenance.rebuild(program: program.id) }
                }
                try await group.waitForAll()
            }
            #expect(try await maintenance.check(program: program.id) == [])
        }
    }
}
