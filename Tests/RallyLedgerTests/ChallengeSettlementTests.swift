import Foundation
import Metrics
import Postgres
import RallyCore
@testable import RallyLedger
import RallyTestSupport
import Testing

/// A challenge reached is settled once, whichever instances come to it at the same time: its reached instant is the
/// event that took it to the target, each contributor gets its badge once, `challenge.reached` is queued once.
@Suite("Challenge settlement")
struct ChallengeSettlementTests {
    @Test func twoInstancesSettlingAtOnceRecordItOnce() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            let program = try await stores.program(members: ["ana", "ben", "cid"])
            _ = try await BadgeStore(postgres: stores.postgres).put(Badge(id: "sharers", name: "Sharers", criteria: .challenge,
                                                                          tiers: [BadgeTier(id: nil, threshold: 1)]), program: program.id, actor: "test")
            _ = try await stores.postgres.query("""
                INSERT INTO webhooks (program_id, webhook_id, url, events, secret) VALUES ($1, 'hook', 'http://127.0.0.1:9/', '{challenge.reached,badge.awarded}', 'a-secret-of-16-chars')
                """, [program.id])
            let fresh = try await stores.programs.fresh(program.id)
            let start = Date().addingTimeInterval(-3600)
            let challenge = Challenge(id: "dec", name: "Shares", scope: .program, metric: .action("share"), target: 3, from: start,
                                      to: start.addingTimeInterval(86_400), badgeId: "sharers")
            _ = try await ChallengeStore(postgres: stores.postgres).put(program: program.id, challenge, actor: "test")
            // ana shares at +1 min and +3 min, ben at +2 min and +4 min: the third share (ana's second, +3 min) reaches 3.
            for (index, (member, minutes)) in [("ana", 1.0), ("ben", 2.0), ("ana", 3.0), ("ben", 4.0), ("cid", 5.0)].enumerated() {
                let action = member == "cid" ? "like" : "share"
                _ = try await stores.writer.record([EventSubmission(program: fresh, event: Event(
                    id: "e\(index)", memberId: member, action: action, network: nil, contentId: nil, occurredAt: start.addingTimeInterval(minutes * 60), tags: []),
                    receivedAt: Date())])
            }
            let awarders = (0..<2).map { _ in
                BadgeAwarder(postgres: stores.postgres, programs: stores.programs, logger: StoreTestEnvironment.logger, metrics: NOOPMetricsHandler.instance)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for awarder in awarders { group.addTask { try await awarder.settleChallenges() } }
                try await group.waitForAll()
            }
            let reached = try await stores.column("extract(epoch FROM reached_at)", of: "challenges", program: program.id)
            #expect(reached.compactMap { Double($0) }.map { ($0 - start.timeIntervalSince1970).rounded() } == [180])
            #expect(try await stores.column("member_id || ' ' || badge_id || ' ' || period_key", of: "member_badges", program: program.id).sorted()
                == ["ana sharers dec", "ben sharers dec"])
            let notices = try await stores.column("data", of: "webhook_deliveries", program: program.id, where: "type = 'challenge.reached'")
            #expect(notices.count == 1)
            let data = try #require(notices.first.flatMap(JSONValue.init(text:)))
            guard case let .object(fields) = data else { Issue.record("\(data)"); return }
            #expect(fields["progress"] == .integer(4) && fields["contributors"] == .integer(2) && fields["target"] == .integer(3))
            #expect(try await stores.column("type", of: "webhook_deliveries", program: program.id, where: "type = 'badge.awarded'").count == 2)
            // Settling again finds nothing left to do.
            try await awarders[0].settleChallenges()
            #expect(try await stores.column("type", of: "webhook_deliveries", program: program.id, where: "type = 'challenge.reached'").count == 1)
        }
    }

    /// A count is kept a second; past it, a read is answered the count kept while one count runs, and the next read
    /// after it sees the new count.
    @Test func aStaleCountAnswersWhileOneRecountRuns() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            let program = try await stores.program(members: ["ana"])
            let fresh = try await stores.programs.fresh(program.id)
            let clock = ManualClock()
            let store = ChallengeStore(postgres: stores.postgres, clock: clock)
            let start = Date().addingTimeInterval(-60)
            let challenge = Challenge(id: "posts", name: "Posts", scope: .program, metric: .points, target: 1000, from: start,
                                      to: start.addingTimeInterval(3600), badgeId: nil)
            #expect(try await store.put(program: program.id, challenge, actor: "test").0.standing.progress == 0)
            func post(_ id: String) async throws {
                _ = try await stores.writer.record([EventSubmission(program: fresh, event: Event(
                    id: id, memberId: "ana", action: "post", network: nil, contentId: nil, occurredAt: Date(), tags: []), receivedAt: Date())])
            }
            try await post("p1")
            #expect(try await store.view(program: program.id, id: "posts").standing.progress == 0, "kept for a second")
            clock.advance(by: .milliseconds(1500))
            #expect(try await store.view(program: program.id, id: "posts").standing.progress == 0, "the kept count answers while one is made")
            #expect(try await eventually(within: .seconds(5), poll: .milliseconds(20)) {
                try await store.view(program: program.id, id: "posts").standing.progress == 25
            })
            // Kept longer than ten seconds, a count no longer answers: the read waits for the next.
            try await post("p2")
            clock.advance(by: .seconds(11))
            #expect(try await store.view(program: program.id, id: "posts").standing.progress == 50)
        }
    }
}
