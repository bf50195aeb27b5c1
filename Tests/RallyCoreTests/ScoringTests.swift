import Foundation
import Testing
@testable import RallyCore

@Suite struct ScoringTests {
    let enrolled = MemberStanding(enrolled: true)
    let notEnrolled = MemberStanding(enrolled: false)

    func event(_ action: String, network: String? = nil) -> Event {
        Event(id: "evt-1", memberId: "m-1", action: action, network: network, contentId: nil,
              occurredAt: utc(2026, 11, 20, 8, 14), tags: [])
    }

    @Test(arguments: [("post", 25), ("share", 10), ("comment", 5), ("like", 1)])
    func defaultsScoreEachAction(action: String, points: Int) throws {
        let award = try Ruleset.defaults.score(event(action), for: enrolled)
        #expect(award == Award(status: .awarded, points: points, breakdown: [AwardLine(rule: "actions.\(action)", points: points)]))
    }

    @Test func defaultsHaveExactlyFourActionsAtVersionZero() {
        #expect(Ruleset.defaults.version == 0)
        #expect(Ruleset.defaults.actions == [
            "post": ActionRule(points: 25), "share": ActionRule(points: 10),
            "comment": ActionRule(points: 5), "like": ActionRule(points: 1),
        ])
    }

    @Test func defaultsIgnoreTheNetwork() throws {
        let award = try Ruleset.defaults.score(event("share", network: "linkedin"), for: enrolled)
        #expect(award == Award(status: .awarded, points: 10, breakdown: [AwardLine(rule: "actions.share", points: 10)]))
    }

    @Test func unknownActionThrows() {
        #expect(throws: ScoringError.unknownAction("tweet")) {
            try Ruleset.defaults.score(event("tweet"), for: enrolled)
        }
    }

    @Test func unknownActionThrowsEvenWhenNotEnrolled() {
        #expect(throws: ScoringError.unknownAction("Post")) {
            try Ruleset.defaults.score(event("Post"), for: notEnrolled)
        }
    }

    @Test func notEnrolledEarnsNothing() throws {
        let award = try Ruleset.defaults.score(event("post", network: "linkedin"), for: notEnrolled)
        #expect(award == Award(status: .notEnrolled, points: 0, breakdown: []))
        #expect(AwardStatus.notEnrolled.rawValue == "not_enrolled")
    }

    let weighted = Ruleset(version: 3, actions: [
        "share": ActionRule(points: 10, networks: ["linkedin": 1.5, "x": 0.5, "facebook": 1]),
        "comment": ActionRule(points: 5, networks: ["linkedin": 1.5]),
        "like": ActionRule(points: 3, networks: ["linkedin": 0.5, "x": 1.4]),
        "react": ActionRule(points: 1, networks: ["linkedin": 2.5, "x": 1.4]),
        "report": ActionRule(points: -5, networks: ["linkedin": 1.5]),
    ])

    @Test func networkFactorMultipliesAndAddsABreakdownLine() throws {
        let award = try weighted.score(event("share", network: "linkedin"), for: enrolled)
        #expect(award == Award(status: .awarded, points: 15, breakdown: [
            AwardLine(rule: "actions.share", points: 10),
            AwardLine(rule: "actions.share.networks.linkedin", points: 5),
        ]))
    }

    @Test func factorBelowOneSubtractsInTheBreakdown() throws {
        let award = try weighted.score(event("share", network: "x"), for: enrolled)
        #expect(award == Award(status: .awarded, points: 5, breakdown: [
            AwardLine(rule: "actions.share", points: 10),
            AwardLine(rule: "actions.share.networks.x", points: -5),
        ]))
    }

    @Test(arguments: [
        ("comment", "linkedin", 8), // 5 × 1.5 = 7.5 → 8
        ("like", "linkedin", 2), // 3 × 0.5 = 1.5 → 2
        ("react", "linkedin", 3), // 1 × 2.5 = 2.5 → 3
        ("report", "linkedin", -8), // −5 × 1.5 = −7.5 → −8
        ("like", "x", 4), // 3 × 1.4 = 4.2 → 4
        ("react", "x", 1), // 1 × 1.4 = 1.4 → 1
    ])
    func roundsHalfAwayFromZero(action: String, network: String, points: Int) throws {
        let award = try weighted.score(event(action, network: network), for: enrolled)
        #expect(award.status == .awarded)
        #expect(award.points == points)
    }

    @Test(arguments: [
        ("share", "linkedin"), ("share", "x"), ("share", "facebook"), ("share", "tiktok"),
        ("comment", "linkedin"), ("like", "linkedin"), ("like", "x"), ("react", "linkedin"), ("react", "x"), ("report", "linkedin"),
    ])
    func breakdownSumsToThePoints(action: String, network: String) throws {
        let award = try weighted.score(event(action, network: network), for: enrolled)
        #expect(award.breakdown.map(\.points).reduce(0, +) == award.points)
        #expect(award.breakdown.first == AwardLine(rule: "actions.\(action)", points: weighted.actions[action]!.points))
    }

    @Test func roundingBackToTheBaseAddsNoNetworkLine() throws {
        let award = try weighted.score(event("react", network: "x"), for: enrolled)
        #expect(award.breakdown == [AwardLine(rule: "actions.react", points: 1)])
    }

    @Test func factorOfOneUnlistedNetworkOrNoNetworkGivesTheBase() throws {
        for network in ["facebook", "tiktok", nil] as [String?] {
            let award = try weighted.score(event("share", network: network), for: enrolled)
            #expect(award == Award(status: .awarded, points: 10, breakdown: [AwardLine(rule: "actions.share", points: 10)]))
        }
    }

    @Test func weightedRulesetStillRespectsEnrolment() throws {
        #expect(try weighted.score(event("share", network: "linkedin"), for: notEnrolled)
            == Award(status: .notEnrolled, points: 0, breakdown: []))
        #expect(throws: ScoringError.unknownAction("post")) {
            try weighted.score(event("post", network: "linkedin"), for: enrolled)
        }
    }
}
