import Foundation
import Metrics
import RallyCore
@testable import RallyLedger
@testable import RallyStorage
import RallyTestSupport
import Testing

/// A badge defined on a program with history goes to every enrolled member who meets it, once, while events keep
/// arriving: the awards held at the end are those the pure engine finds in each member's whole history.
@Suite("Retroactive badge awards")
struct RetroactiveAwardTests {
    @Test(arguments: [11, 12, 13, 14])
    func badgesDefinedLaterEndAsThePureEngineFindsThem(seed: UInt64) async throws {
        try await StoreTestEnvironment.run(lanes: 2) { stores in
            var random = ScoringReplayTests.Random(state: seed)
            let now = Date()
            let members = ["ana", "ben", "cid", "dan", "fay"]
            let program = try await stores.program(members: members)
            _ = try await stores.members.upsert(program: program.id, [("eve", MemberProfile(
                displayName: "Eve", team: nil, region: nil, enrolled: false, audience: [:], visibility: .public))])
            var states: [String: ScoringState] = [:]
            var count = 0
            func events(_ number: Int) -> [Event] {
                (0..<number).map { _ in
                    count += 1
                    return Event(id: "e\(count)", memberId: random.pick(members + ["eve"]), action: random.pick(ScoringReplayTests.actions),
                                 network: nil, contentId: nil,
                                 occurredAt: now.addingTimeInterval(-Double(random.int(0...40 * 24)) * 3600), tags: [])
                }
            }
            func record(_ group: [Event], into program: ProgramContext) async throws {
                let outcomes = try await stores.writer.record(group.map { EventSubmission(program: program, event: $0, receivedAt: now) })
                for (event, outcome) in zip(group, outcomes) {
                    guard case .created = outcome else { Issue.record("\(event.id): \(outcome)"); continue }
                    _ = Ruleset.defaults.score(event, member: MemberEnrolment(enrolled: event.memberId != "eve"), calendar: program.calendar,
                                               state: &states[event.memberId, default: ScoringState()])
                }
            }
            for _ in 0..<8 { try await record(events(random.int(5...20)), into: program) }

            let badges = ScoringReplayTests.badges(&random)
            let store = BadgeStore(postgres: stores.postgres)
            for badge in badges { _ = try await store.put(badge, program: program.id, actor: "test") }
            let withBadges = try await stores.programs.fresh(program.id)
            let awarder = BadgeAwarder(postgres: stores.postgres, programs: stores.programs, logger: StoreTestEnvironment.logger,
                                       metrics: NOOPMetricsHandler.instance, membersPerChunk: 2)
            // The passes (two members a chunk) and more events, side by side.
            async let passes: Void = {
                for badge in badges { try await awarder.awardRetroactively(program: program.id, badgeId: badge.id) }
            }()
            for _ in 0..<6 { try await record(events(random.int(3...10)), into: withBadges) }
            try await passes
            let pending = try await stores.column("badge_id", of: "badges", program: program.id, where: "retro_cursor IS NOT NULL")
            #expect(pending.isEmpty)

            var expected: [String] = []
            for (member, state) in states where member != "eve" {
                for badge in badges {
                    expected += badge.newAwards(value: badge.bestValue(history: state), held: []).map { "\(member) \($0.badgeId) \($0.tier ?? "")" }
                }
            }
            let held = try await stores.column("member_id || ' ' || badge_id || ' ' || tier", of: "member_badges", program: program.id)
            #expect(held.sorted() == expected.sorted())
            #expect(expected.count >= 4, "the history earns several awards")
        }
    }
}
