import Foundation
import RallyCore
@testable import RallyLeaderboards
@testable import RallyLedger
import RallyStorage
import RallyTestSupport
import Redis
import Testing

/// A profile read while Redis cannot answer still answers, its ranks unknown, and the failure is not swallowed: the
/// projection is marked stale (and so brought back in line), as a failed commit pipeline marks it.
@Suite("Profile ranks when Redis fails")
struct ProfileRanksTests {
    @Test func aRankReadRedisFailsLeavesRanksUnknownAndMarksTheProjectionStale() async throws {
        // The writer's own checks wait: one falling between the failed read and the assertion would mend the mark.
        try await StoreTestEnvironment.run(lanes: 1, projectionCheckInterval: .seconds(3600)) { stores in
            let program = try await stores.program(members: ["ana"])
            try await stores.writer.rebuild()
            let event = Event(id: "e1", memberId: "ana", action: "post", network: nil, contentId: nil, occurredAt: Date(), tags: [])
            _ = try await stores.writer.record([EventSubmission(program: program, event: event, receivedAt: Date())])
            #expect(try await stores.members.member(program, memberId: "ana").ranks.all == 1)
            #expect(!stores.writer.projectionIsStale)

            let unreachable = RedisPool(configuration: try RedisConfiguration(url: "redis://127.0.0.1:1/0"), logger: StoreTestEnvironment.logger)
            let members = MemberStore(postgres: stores.postgres, writer: stores.writer,
                                      leaderboards: Leaderboards(redis: unreachable, postgres: stores.postgres, keys: stores.leaderboards.keys))
            let profile = try await members.member(program, memberId: "ana")
            await unreachable.shutdown()
            #expect(profile.points.lifetime == 25)
            #expect(profile.ranks.week == nil && profile.ranks.month == nil && profile.ranks.all == nil)
            #expect(stores.writer.projectionIsStale)
        }
    }
}
