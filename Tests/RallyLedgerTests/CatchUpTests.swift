import Foundation
import RallyCore
@testable import RallyLeaderboards
@testable import RallyLedger
import RallyTestSupport
import Redis
import Testing

/// When Redis stops answering for a moment but keeps its data, only the members it missed are resynchronised: no
/// rebuild of every board.
@Suite("A Redis blip is caught up without a rebuild")
struct CatchUpTests {
    @Test func theMembersRedisMissedAreResynchronisedAndNothingElseIsRebuilt() async throws {
        // `CLIENT PAUSE` holds every client of a server: this test pauses a Redis of its own. The writer gives up on Redis
        // after 0.3 s (its first commit while Redis is paused must reach Redis before the pause ends, even on a loaded
        // machine); the test's own commands wait as long as usual (2 s). The test steps the writer's projection checks
        // itself: one falling while Redis is paused would bring it back in line too soon.
        try await PrivateRedisServer.with { url in
            try await StoreTestEnvironment.run(lanes: 2, redisURL: url, redisCommandTimeout: .milliseconds(300), projectionCheckInterval: .seconds(3600)) { stores in
                let redis = RedisPool(configuration: try RedisConfiguration(url: url), logger: StoreTestEnvironment.logger)
                // The writer's first check rebuilds the projection.
                await stores.writer.repairProjectionIfNeeded()
                #expect(!stores.writer.projectionIsStale)
                let members = ["ana", "ben", "cid"]
                let program = try await stores.program(members: members)
                func record(_ id: String, _ member: String, _ action: String) async throws -> [EventOutcome] {
                    let event = Event(id: id, memberId: member, action: action, network: nil, contentId: nil, occurredAt: Date(), tags: [])
                    return try await stores.writer.record([EventSubmission(program: program, event: event, receivedAt: Date())])
                }
                _ = try await record("e1", "ana", "post")
                // A key a rebuild would delete with the rest of the namespace.
                let sentinel = stores.leaderboards.keys.namespace + "/sentinel"
                _ = try await redis.send(["SET", sentinel, "kept"])

                // Redis holds every write until unpaused (1.5 s at most, within the test's own 2 s): the writer's pipelines time
                // out, the events are committed all the same.
                _ = try await redis.send(["CLIENT", "PAUSE", "1500", "WRITE"])
                for (index, member) in members.enumerated() {
                    guard case let .created(result) = try await record("b\(index)", member, "share").first else {
                        Issue.record("an event was not recorded while Redis paused")
                        continue
                    }
                    #expect(result.member.ranks.all == nil, "no rank while Redis does not answer")
                }
                #expect(stores.writer.projectionIsStale)
                _ = try await redis.send(["CLIENT", "UNPAUSE"])

                await stores.writer.repairProjectionIfNeeded()
                #expect(!stores.writer.projectionIsStale)
                #expect(try await redis.send(["GET", sentinel]).string == "kept", "no rebuild: the namespace was not wiped")
                let maintenance = LeaderboardMaintenance(postgres: stores.postgres, redis: redis,
                                                         namespace: stores.leaderboards.keys.namespace, logger: StoreTestEnvironment.logger)
                #expect(try await maintenance.check(program: program.id) == [])
                let all = try await stores.leaderboards.page(program: program.id, period: .allTime, offset: 0, limit: 10)
                #expect(all.entries.map { "\($0.memberId ?? "?")=\($0.points)" } == ["ana=35", "ben=10", "cid=10"])
                await redis.shutdown()
            }
        }
    }

    static func waitUntilInLine(_ writer: EventWriter, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try #require(try await eventually(within: .seconds(10)) { !writer.projectionIsStale }, "the projection did not come back in line",
                     sourceLocation: sourceLocation)
    }
}
