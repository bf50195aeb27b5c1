import Foundation
import RallyCore
@testable import RallyLedger
@testable import RallyStorage
import Testing

/// The middle of every lane job, without PostgreSQL: from a snapshot, what a group commit or a retraction decides and
/// the ledger changes it will write. Expected values computed by hand from the rules of each case.
@Suite("Lane jobs decide without I/O")
struct DecisionTests {
    static let paris = PeriodCalendar(timeZone: TimeZone(identifier: "Europe/Paris")!)
    /// Tuesday 2026-11-17, 10:00 in Paris.
    static let tuesday = Date(timeIntervalSince1970: 1_794_906_000)

    static func program(_ id: String, _ actions: [String: ActionRule], caps: [Cap] = []) -> ProgramContext {
        ProgramContext(id: id, name: id, createdAt: .distantPast, calendar: paris,
                       rules: RulesetHistory([Ruleset(version: 1, effectiveFrom: .distantPast, actions: actions, caps: caps)]),
                       settings: ProgramSettings(), badges: [], badgesVersion: 0)
    }

    static let likes = program("likes", ["like": ActionRule(points: 1)], caps: [Cap(action: "like", per: .day, maxCount: 1)])
    static let posts = program("posts", ["post": ActionRule(points: 25)], caps: [Cap(per: .week, maxPoints: 30)])
    static let tens = program("tens", ["post": ActionRule(points: 10)])

    static func submission(_ program: ProgramContext, _ id: String, _ member: String, _ action: String, minutes: Int = 0) -> EventSubmission {
        EventSubmission(program: program, event: Event(id: id, memberId: member, action: action, network: nil, contentId: nil,
                                                       occurredAt: tuesday + Double(minutes * 60), tags: []),
                        receivedAt: tuesday + Double(minutes * 60 + 1))
    }

    /// A group, what each submission is answered (`created <status> <points>`, `duplicate`, `rejected <code>`), and each
    /// member's change of total (`program/member` → points) and of today's activity (events, earning).
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var group: [EventSubmission]
        var answers: [String]
        var totals: [String: Int64]
        var activity: [String: [Int]]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a member twice in a group, and an id repeated",
             group: [submission(likes, "l1", "ana", "like"), submission(likes, "l2", "ana", "like", minutes: 1), submission(likes, "l1", "ana", "like")],
             answers: ["created awarded 1", "created capped 0", "duplicate"],
             totals: ["likes/ana": 1], activity: ["likes/ana": [2, 1]]),
        Case(name: "a cap reached in the middle of a group",
             group: [submission(posts, "p1", "ana", "post"), submission(posts, "p2", "ana", "post", minutes: 1),
                     submission(posts, "p3", "ana", "post", minutes: 2), submission(posts, "p4", "bob", "post", minutes: 3)],
             answers: ["created awarded 25", "created capped 5", "created capped 0", "created awarded 25"],
             totals: ["posts/ana": 30, "posts/bob": 25], activity: ["posts/ana": [3, 2], "posts/bob": [1, 1]]),
        Case(name: "two programs in one lane, one member id in both",
             group: [submission(posts, "e1", "ana", "post"), submission(tens, "e1", "ana", "post"), submission(tens, "e2", "zed", "post")],
             answers: ["created awarded 25", "created awarded 10", "rejected unknown_member"],
             totals: ["posts/ana": 25, "tens/ana": 10], activity: ["posts/ana": [1, 1], "tens/ana": [1, 1]]),
    ]

    static func snapshot(_ group: [EventSubmission]) -> GroupSnapshot {
        var members: [MemberRef: MemberSnapshot] = [:]
        for submission in group where submission.event.memberId != "zed" {
            members[submission.memberRef] = MemberSnapshot(enrolled: true, visibility: .public, team: nil, region: nil)
        }
        return GroupSnapshot(members: members, stored: [:], programs: Dictionary(group.map { ($0.program.id, $0.program) }) { a, _ in a },
                             states: [:], subscribed: [:])
    }

    static func answer(_ outcome: EventOutcome) -> String {
        switch outcome {
        case let .created(result): "created \(result.status.rawValue) \(result.points)"
        case .duplicate: "duplicate"
        case let .rejected(error): "rejected \(error.code.rawValue)"
        }
    }

    static func changes(_ decision: GroupDecision) -> LedgerChanges { decision.changes }

    @Test(arguments: cases)
    func aGroupIsDecidedAsItsRulesSay(_ example: Case) {
        let decision = GroupDecision.decide(example.group, Self.snapshot(example.group), now: Self.tuesday + 3600)
        #expect(decision.outcomes.map(Self.answer) == example.answers)
        let changes = Self.changes(decision)
        #expect(Dictionary(uniqueKeysWithValues: changes.totals.map { ("\($0.key.program)/\($0.key.id)", $0.value.points) }) == example.totals)
        let day = Self.paris.period(.day, containing: Self.tuesday).key
        #expect(changes.activity.keys.allSatisfy { $0.day == day })
        let activity = changes.activity.map { key, activity in ("\(key.member.program)/\(key.member.id)", [activity.events, activity.earning]) }
        #expect(Dictionary(uniqueKeysWithValues: activity) == example.activity)
        // One ledger entry per event that earned points, each reached when it was received.
        #expect(changes.entries.map(\.eventId) == decision.recorded.filter { $0.award.points != 0 }.map(\.submission.event.id))
        #expect(changes.totals.values.allSatisfy { total in
            decision.recorded.contains { $0.submission.receivedAt == total.reachedAt }
        })
    }

    /// A group scores two posts of one member under a weekly cap of 30 (25, then 5); retracting the first takes back its
    /// 25 and its activity, and the second keeps the 5 it was given: past answers stand.
    @Test func aRetractionTakesBackItsEventAndLeavesTheLaterOnes() throws {
        let earlier = Self.submission(Self.posts, "p1", "ana", "post"), later = Self.submission(Self.posts, "p2", "ana", "post", minutes: 5)
        let group = GroupDecision.decide([earlier, later], Self.snapshot([earlier, later]), now: Self.tuesday + 3600)
        #expect(group.outcomes.map(Self.answer) == ["created awarded 25", "created capped 5"])
        let award = try #require(group.recorded.first?.award)
        let now = Self.tuesday + 7200
        let retraction = RetractionDecision.decide(RetractedEvent(event: earlier.event, award: award, retracted: false), program: Self.posts,
                                                   subscribed: [.eventRetracted], now: now)
        #expect(retraction.retracts)
        let ana = MemberRef(program: "posts", id: "ana")
        #expect(retraction.changes.entries.map { [$0.kind.rawValue, $0.eventId, String($0.points)] } == [["reversal", "p1", "-25"]])
        #expect(retraction.changes.totals[ana]?.points == -25)
        #expect(retraction.changes.totals[ana]?.reachedAt == now, "the lowered total counts as reached now")
        let key = ActivityRowKey(member: ana, day: Self.paris.period(.day, containing: Self.tuesday).key, action: "post")
        var activity = try #require(Self.changes(group).activity[key])
        activity.add(try #require(retraction.changes.activity[key]))
        #expect(activity == Activity(events: 1, earning: 1, points: 5), "as if p1 had never arrived, p2 keeping its award")
        #expect((Self.changes(group).totals[ana]?.points ?? 0) + (retraction.changes.totals[ana]?.points ?? 0) == 5)
        #expect(retraction.notifications.map(\.type) == [.eventRetracted])
        #expect(retraction.activity.pastDays.isEmpty, "the event's day is not over yet")

        let again = RetractionDecision.decide(RetractedEvent(event: earlier.event, award: award, retracted: true), program: Self.posts,
                                              subscribed: [.eventRetracted], now: now)
        #expect(!again.retracts && again.changes.entries.isEmpty && again.notifications.isEmpty)

        let nextDay = RetractionDecision.decide(RetractedEvent(event: earlier.event, award: award, retracted: false), program: Self.posts,
                                                subscribed: [], now: Self.tuesday + 86_400)
        #expect(nextDay.activity.pastDays == ["posts": [Self.paris.localDate(of: Self.tuesday)]] && nextDay.notifications.isEmpty)
    }

    /// Under a weekly cap of 30 and a burst limit of one event a minute that holds: the second post of the minute is
    /// scored on a copy of the member's state (capped to 5) and held, so the next post, five minutes later, still gets
    /// those 5; dismissing the flag then adds the held 5, reached when dismissed.
    @Test func aHeldEventLeavesItsMemberAsItFoundThemUntilReleased() throws {
        var program = Self.posts
        program.settings.integrity = IntegrityRules([.burstPerMinute: .init(limit: 1, hold: true)])
        let group = [Self.submission(program, "p1", "ana", "post"), Self.submission(program, "p2", "ana", "post"),
                     Self.submission(program, "p3", "ana", "post", minutes: 5)]
        let decision = GroupDecision.decide(group, Self.snapshot(group), now: Self.tuesday + 3600)
        #expect(decision.outcomes.map(Self.answer) == ["created awarded 25", "created held 5", "created capped 5"])
        #expect(decision.flagged.map { "\($0.eventId) \($0.finding.rule.rawValue) \($0.heldPoints)" } == ["p2 burstPerMinute 5"])
        let ana = MemberRef(program: "posts", id: "ana")
        #expect(decision.changes.totals[ana]?.points == 30, "the held 5 are not in the total")
        #expect(decision.changes.entries.map(\.eventId) == ["p1", "p3"])
        #expect(decision.posts.isEmpty && decision.engagements.isEmpty, "no content named")

        let held = try #require(decision.recorded.first { $0.submission.event.id == "p2" }?.award)
        #expect(held.breakdown.map(\.rule) == ["actions.post", "caps[0]"] && held.badges.isEmpty && held.levelReached == nil)
        let now = Self.tuesday + 7200
        // Released on the member's state as it is now (p1 and p3 fill the week's cap of 30), it is scored again: 0.
        var state = ScoringState()
        for submission in [group[0], group[2]] {
            _ = program.rules.latest.score(submission.event, member: MemberEnrolment(enrolled: true), calendar: Self.paris, state: &state)
        }
        let stored = [RetractedEvent(event: group[1].event, award: held, retracted: false)]
        let release = FlagReviewDecision.decide(.dismiss, stored, program: program, subscribed: [.eventRetracted], state: state, now: now)
        #expect(release.released.map { "\($0.award.status.rawValue) \($0.award.points)" } == ["capped 0"])
        #expect(release.changes.entries.isEmpty && release.changes.totals[ana] == nil)
        #expect(release.events.map(\.points) == [0] && release.notifications.isEmpty)
        // On a week with room (p1 only), its 5 count, reached when released; held by another open flag, it stays held.
        var roomy = ScoringState()
        _ = program.rules.latest.score(group[0].event, member: MemberEnrolment(enrolled: true), calendar: Self.paris, state: &roomy)
        let released = FlagReviewDecision.decide(.dismiss, stored, program: program, subscribed: [], state: roomy, now: now)
        #expect(released.changes.entries.map { "\($0.kind.rawValue) \($0.eventId) \($0.points)" } == ["award p2 5"])
        #expect(released.changes.totals[ana]?.points == 5 && released.changes.totals[ana]?.reachedAt == now)
        #expect(FlagReviewDecision.decide(.dismiss, stored, program: program, subscribed: [], heldElsewhere: ["p2"], state: roomy, now: now)
            .events.isEmpty)
        // Confirming instead retracts it: nothing to reverse, as its points never counted.
        let confirm = FlagReviewDecision.decide(.confirm, [RetractedEvent(event: group[1].event, award: held, retracted: false)],
                                                program: program, subscribed: [.eventRetracted], now: now)
        #expect(confirm.changes.entries.isEmpty && confirm.events.map(\.points) == [0])
        #expect(confirm.notifications.map(\.type) == [.eventRetracted])
    }
}
