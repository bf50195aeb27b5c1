import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Rally pointed at a Redis Cluster (`redis+cluster://`): every program's keys on the shard of its hash tag.
@Suite("Rally on a Redis Cluster (RALLY_TEST_REDIS_CLUSTER_URL)")
struct RedisClusterAppTests {
    @Test func eventsBoardsPlacesAndProfilesWorkAcrossShards() async throws {
        let url = try #require(getenv("RALLY_TEST_REDIS_CLUSTER_URL").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 },
                               "RALLY_TEST_REDIS_CLUSTER_URL is not set: run `bash ops/services start` and `eval \"$(bash ops/services env)\"`")
        try await TestApp.run(redisURL: url) { app in
            // Several programs: their keys spread over the cluster's masters by their ids' slots.
            for _ in 0..<4 {
                let program = try await app.createProgram()
                try await program.addMembers(["ana", "ben", "cleo"])
                var points: [String: Int64] = [:]
                for (index, member) in ["ana", "ana", "ben", "ana", "cleo", "cleo"].enumerated() {
                    points[member, default: 0] += Int64(try await program.record(EventInput(id: "e\(index)", memberId: member, action: "share")).points)
                }
                let board = try await program.boardWhenReady(period: "week")
                #expect(board.standings == [Standing(1, "ana", points["ana"]!), Standing(2, "cleo", points["cleo"]!), Standing(3, "ben", points["ben"]!)])
                #expect(try await program.profile("cleo").ranks == RanksDTO(week: 2, month: 2, all: 2))
                let around = try decode(BoardDTO.self, from: try await app.send(.get, "\(program.path)/leaderboards/members/around/ben?period=all&radius=1",
                                                                              key: program.readKey))
                #expect(around.standings.map(\.memberId) == ["cleo", "ben"])
                // A renamed member is listed by the new name (their listing and standings resynchronised on their shard).
                try requireStatus(try await program.putMember("ben", MemberInput(displayName: "Benoît")), .ok)
                let renamed = try await program.board(period: "week")
                #expect(renamed.entries.last?.displayName == "Benoît")
            }
        }
    }
}
