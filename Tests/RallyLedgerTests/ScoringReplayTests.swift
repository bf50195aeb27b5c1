import Foundation
import RallyCore
@testable import RallyLedger
import RallyTestSupport
import Testing

/// For random valid rulesets and random streams of events (with repeats and retractions), what the writer stores and
/// answers equals what the pure engine computes replaying the same stream offline.
@Suite("The writer scores as the pure engine replays")
struct ScoringReplayTests {
    typealias Random = SeededRandom

    static let actions = ["post", "share", "like", "comment"]
    static let networks = ["linkedin", "x", "facebook"]
    static let tags = ["recruitment", "product", "csr"]

    static func ruleset(_ random: inout Random, version: Int, effectiveFrom: Date, now: Date) -> Ruleset {
        var actions: [String: ActionRule] = [:]
        for action in Self.actions where random.chance(85) || action == "like" {
            var networks: [String: Double] = [:]
            for network in Self.networks where random.chance(40) { networks[network] = random.pick([0.5, 1, 1.5, 2, 2.5]) }
            actions[action] = ActionRule(points: random.int(0...30), networks: networks, oncePerContent: random.chance(40))
        }
        let known = actions.keys.sorted()
        let caps = (0..<random.int(0...3)).map { _ in
            Cap(action: random.chance(50) ? random.pick(known) : nil, per: random.chance(50) ? .day : .week,
                maxCount: random.chance(60) ? random.int(1...4) : nil, maxPoints: random.chance(60) ? random.int(5...80) : nil)
        }.filter { $0.maxCount != nil || $0.maxPoints != nil }
        let campaigns = (0..<random.int(0...2)).map { index in
            let start = now.addingTimeInterval(-Double(random.int(0...40)) * 86_400)
            return Campaign(id: "c\(index)", name: "Campaign \(index)", from: start, to: start.addingTimeInterval(Double(random.int(1...20)) * 86_400),
                            tags: random.chance(50) ? [random.pick(Self.tags)] : [], actions: random.chance(50) ? [random.pick(known)] : [],
                            multiplier: random.pick([1.5, 2, 3]))
        }
        let second = Int64(random.int(20...60)), third = Int64(random.int(80...200))
        return Ruleset(version: version, effectiveFrom: effectiveFrom, actions: actions, caps: caps, campaigns: campaigns,
                       levels: [Level(name: "Rookie", minPoints: 0), Level(name: "Ambassador", minPoints: second), Level(name: "Star", minPoints: third)])
    }

    /// A badge of each kind an event can earn, with random thresholds, periods and tiers.
    static func badges(_ random: inout Random) -> [Badge] {
        let periods: [PeriodKind] = [.day, .week, .month, .all]
        func tiers(_ low: ClosedRange<Int>, step: ClosedRange<Int>) -> [BadgeTier] {
            let first = Int64(random.int(low))
            return random.chance(50) ? [BadgeTier(id: nil, threshold: first)]
                : [BadgeTier(id: "bronze", threshold: first), BadgeTier(id: "silver", threshold: first + Int64(random.int(step)))]
        }
        return [
            Badge(id: "first", name: "First", criteria: .firstAction(action: random.pick(actions)), tiers: [BadgeTier(id: nil, threshold: 1)]),
            Badge(id: "count", name: "Count", criteria: .actionCount(action: random.pick(actions), period: random.pick(periods)), tiers: tiers(2...5, step: 1...4)),
            Badge(id: "points", name: "Points", criteria: .points(period: random.pick(periods)), tiers: tiers(20...80, step: 10...60)),
            Badge(id: "streak", name: "Streak", criteria: .streak(unit: random.chance(50) ? .day : .week, actions: random.chance(50) ? [random.pick(actions)] : []),
                  tiers: tiers(2...3, step: 1...3)),
        ]
    }

    @Test(arguments: [1, 2, 3])
    func theStoredStateIsTheReplayedOne(seed: UInt64) async throws {
        try await StoreTestEnvironment.run(lanes: 2) { stores in
            var random = Random(state: seed)
            let now = Date()
            let members = ["ana", "ben", "cid", "dan"]
            let program0 = try await stores.program(members: members)
            _ = try await stores.members.upsert(program: program0.id, [("eve", MemberProfile(
                displayName: "Eve", team: nil, region: nil, enrolled: false, audience: [:], visibility: .public))])
            // Two versions, stored as PUT stores them: 30 and 10 days ago (events older than 30 days get the defaults).
            for version in 1...2 {
                let ruleset = Self.ruleset(&random, version: version, effectiveFrom: now.addingTimeInterval(Double(version == 1 ? -30 : -10) * 86_400), now: now)
                _ = try await stores.postgres.query("""
                    INSERT INTO rulesets (program_id, version, effective_from, document) VALUES ($1, $2::integer, to_timestamp($3::float8), $4::jsonb)
                    """, [program0.id, String(version), String(ruleset.effectiveFrom!.timeIntervalSince1970), ruleset.document(in: program0.timeZone).text])
            }
            for badge in Self.badges(&random) { _ = try await BadgeStore(postgres: stores.postgres).put(badge, program: program0.id, actor: "test") }
            let program = try await stores.programs.fresh(program0.id)
            #expect(program.rules.versions.map(\.version) == [0, 1, 2])
            #expect(program.badges.count == 4)

            // The oracle: each member's state, each event's award, as the pure engine replays the stream.
            var states: [String: ScoringState] = [:]
            var awards: [String: (event: Event, award: Award, claimed: Bool)] = [:]
            var retracted: Set<String> = []
            var sent: [Event] = []
            for step in 0..<40 {
                if step > 5, random.chance(15) {
                    let target = random.pick(sent)
                    let outcome = try await stores.writer.retract(program: program, eventId: target.id, actor: "test")
                    let original = try #require(awards[target.id])
                    #expect(outcome.pointsReversed == original.award.points)
                    if retracted.insert(target.id).inserted {
                        states[target.memberId, default: ScoringState()].retract(target, award: original.award, claimedContent: original.claimed,
                                                                                 calendar: program.calendar)
                    }
                    continue
                }
                var group: [Event] = []
                for _ in 0..<random.int(1...25) {
                    if !sent.isEmpty, random.chance(10) {
                        group.append(random.pick(sent))
                        continue
                    }
                    let action = random.pick(Self.actions + ["click"])
                    group.append(Event(id: "e\(sent.count + group.count)-\(random.next() % 1000)", memberId: random.pick(members + ["eve"]),
                                       action: action, network: random.chance(70) ? random.pick(Self.networks) : nil,
                                       contentId: random.chance(70) ? "content-\(random.int(0...5))" : nil,
                                       occurredAt: now.addingTimeInterval(-Double(random.int(0...40 * 24)) * 3600 - Double(random.int(0...3599))),
                                       tags: random.chance(40) ? [random.pick(Self.tags)] : []))
                }
                let outcomes = try await stores.writer.record(group.map { EventSubmission(program: program, event: $0, receivedAt: now) })
                var seenInGroup: Set<String> = []
                for (event, outcome) in zip(group, outcomes) {
                    if awards[event.id] != nil || !seenInGroup.insert(event.id).inserted {
                        guard case let .duplicate(result) = outcome else {
                            Issue.record("event \(event.id) sent again should be a duplicate: \(outcome)")
                            continue
                        }
                        #expect(result.points == awards[event.id]?.award.points)
                        continue
                    }
                    let ruleset = program.rules.inForce(at: event.occurredAt)
                    var state = states[event.memberId] ?? ScoringState()
                    let before = state.lifetimePoints
                    var award = ruleset.score(event, member: MemberEnrolment(enrolled: event.memberId != "eve"), calendar: program.calendar, state: &state)
                    if award.status.isScored {
                        award.badges = Badge.awards(program.badges, after: event.action, on: program.calendar.localDate(of: event.occurredAt), state: &state)
                    }
                    states[event.memberId] = state
                    let level = program.rules.inForce(at: now).levelReached(from: before, to: state.lifetimePoints)
                    let claimed = award.points > 0 && ruleset.actions[event.action]?.oncePerContent == true && event.contentId != nil
                    awards[event.id] = (event, award, claimed)
                    sent.append(event)
                    guard case let .created(result) = outcome else {
                        Issue.record("event \(event.id) should be created: \(outcome)")
                        continue
                    }
                    #expect(result.status == award.status, "\(event.id)")
                    #expect(result.points == award.points, "\(event.id)")
                    #expect(result.breakdown == award.breakdown, "\(event.id)")
                    #expect(result.rulesVersion == ruleset.version, "\(event.id)")
                    #expect(result.badgesAwarded.map { BadgeAwardKey(badgeId: $0.badgeId, tier: $0.tier) } == award.badges, "\(event.id)")
                    #expect(result.levelReached == level, "\(event.id)")
                }
            }

            // Lifetime totals, activity and claimed content as stored, against the replay.
            var expectedTotals: [String: Int64] = [:]
            for (id, entry) in awards where !retracted.contains(id) && entry.award.points != 0 {
                expectedTotals[entry.event.memberId, default: 0] += Int64(entry.award.points)
            }
            let totals = try await stores.postgres.query("SELECT member_id, points FROM member_totals WHERE program_id = $1", [program.id])
            var storedTotals: [String: Int64] = [:]
            for row in totals { storedTotals[try row.string("member_id")] = try row.int64("points") }
            #expect(storedTotals.filter { $0.value != 0 } == expectedTotals.filter { $0.value != 0 })

            var expectedActivity: Set<String> = []
            for (member, state) in states {
                for (key, activity) in state.activity where activity != Activity() {
                    expectedActivity.insert("\(member) \(PeriodCalendar.dayKey(key.day)) \(key.action) \(activity.events) \(activity.earning) \(activity.points)")
                }
            }
            let activity = try await stores.column("member_id || ' ' || day || ' ' || action || ' ' || events || ' ' || earning || ' ' || points",
                                                   of: "member_activity", program: program.id, where: "(events <> 0 OR points <> 0)")
            #expect(Set(activity) == expectedActivity)
            let contents = try await stores.column("member_id || ' ' || action || ' ' || content_id", of: "content_awards", program: program.id)
            let expectedContents = states.flatMap { member, state in state.contents.map { "\(member) \($0.action) \($0.contentId)" } }
            #expect(Set(contents) == Set(expectedContents))
            // Badges held as stored, against the replay: each once, with the event that earned it.
            let held = try await stores.column("member_id || ' ' || badge_id || ' ' || tier || ' ' || event_id", of: "member_badges", program: program.id)
            var expectedHeld: [String] = []
            for (id, entry) in awards {
                expectedHeld += entry.award.badges.map { "\(entry.event.memberId) \($0.badgeId) \($0.tier ?? "") \(id)" }
            }
            #expect(held.sorted() == expectedHeld.sorted())
            #expect(Set(states.values.flatMap(\.held)).count >= 3 || seed > 1, "the first stream earns badges of several kinds")
            #expect(awards.values.contains { $0.award.status == .capped } || awards.values.contains { $0.award.status == .oncePerContent } || seed > 1,
                    "the first stream exercises caps or once-per-content")
        }
    }
}
