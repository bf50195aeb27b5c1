import Foundation
import Testing
@testable import RallyCore

@Suite struct ScoringTests {
    let enrolled = MemberEnrolment(enrolled: true)
    let notEnrolled = MemberEnrolment(enrolled: false)
    let paris = PeriodCalendar(timeZone: zone("Europe/Paris"))

    func event(_ action: String, network: String? = nil, content: String? = nil, at instant: Date = utc(2026, 11, 20, 8, 14),
               tags: [String] = []) -> Event {
        Event(id: "evt-1", memberId: "m-1", action: action, network: network, contentId: content, occurredAt: instant, tags: tags)
    }

    /// Scores a stream of events in order on one state; the points of each.
    func points(_ ruleset: Ruleset, _ events: [Event], state: inout ScoringState) -> [Int] {
        events.map { ruleset.score($0, member: enrolled, calendar: paris, state: &state).points }
    }

    func points(_ ruleset: Ruleset, _ events: [Event]) -> [Int] {
        var state = ScoringState()
        return points(ruleset, events, state: &state)
    }

    // MARK: Actions and networks

    @Test(arguments: [("post", 25), ("share", 10), ("comment", 5), ("like", 1)])
    func defaultsScoreEachAction(action: String, points: Int) {
        var state = ScoringState()
        let award = Ruleset.defaults.score(event(action), member: enrolled, calendar: paris, state: &state)
        #expect(award == Award(status: .awarded, points: points, breakdown: [AwardLine(rule: "actions.\(action)", points: points)], rulesVersion: 0))
    }

    @Test func defaultsHaveExactlyFourActionsAtVersionZero() {
        #expect(Ruleset.defaults.version == 0)
        #expect(Ruleset.defaults.actions == [
            "post": ActionRule(points: 25), "share": ActionRule(points: 10),
            "comment": ActionRule(points: 5), "like": ActionRule(points: 1),
        ])
    }

    let weighted = Ruleset(version: 3, actions: [
        "share": ActionRule(points: 10, networks: ["linkedin": 1.5, "x": 0.5, "facebook": 1]),
        "comment": ActionRule(points: 5, networks: ["linkedin": 1.5]),
        "like": ActionRule(points: 3, networks: ["linkedin": 0.5, "x": 1.4]),
        "react": ActionRule(points: 1, networks: ["linkedin": 2.5, "x": 1.4]),
    ])

    @Test func networkFactorMultipliesAndNamesItself() {
        var state = ScoringState()
        #expect(weighted.score(event("share", network: "linkedin"), member: enrolled, calendar: paris, state: &state) == Award(
            status: .awarded, points: 15,
            breakdown: [AwardLine(rule: "actions.share", points: 10), AwardLine(rule: "actions.share.networks.linkedin", points: 5, factor: 1.5)],
            rulesVersion: 3))
        #expect(weighted.score(event("share", network: "x"), member: enrolled, calendar: paris, state: &state).breakdown
            == [AwardLine(rule: "actions.share", points: 10), AwardLine(rule: "actions.share.networks.x", points: -5, factor: 0.5)])
    }

    @Test(arguments: [
        ("comment", "linkedin", 8), // 5 × 1.5 = 7.5 → 8
        ("like", "linkedin", 2), // 3 × 0.5 = 1.5 → 2
        ("react", "linkedin", 3), // 1 × 2.5 = 2.5 → 3
        ("like", "x", 4), // 3 × 1.4 = 4.2 → 4
        ("react", "x", 1), // 1 × 1.4 = 1.4 → 1: no network line
        ("share", "facebook", 10), ("share", "tiktok", 10),
    ])
    func roundsHalfAwayFromZeroAndTheBreakdownSumsToThePoints(action: String, network: String, points: Int) {
        var state = ScoringState()
        let award = weighted.score(event(action, network: network), member: enrolled, calendar: paris, state: &state)
        #expect(award.status == .awarded)
        #expect(award.points == points)
        #expect(award.breakdown.map(\.points).reduce(0, +) == points)
        #expect(award.breakdown.count == (points == weighted.actions[action]!.points ? 1 : 2))
    }

    @Test func notEnrolledAndUnscoredActionsEarnNothingAndLeaveTheStateAlone() {
        var state = ScoringState()
        #expect(weighted.score(event("share"), member: notEnrolled, calendar: paris, state: &state)
            == Award(status: .notEnrolled, points: 0, breakdown: [], rulesVersion: 3))
        #expect(weighted.score(event("post"), member: enrolled, calendar: paris, state: &state)
            == Award(status: .notScored, points: 0, breakdown: [], rulesVersion: 3))
        #expect(state == ScoringState())
        #expect(!AwardStatus.notScored.isScored && !AwardStatus.notEnrolled.isScored && AwardStatus.capped.isScored)
    }

    // MARK: Campaigns

    let december = Ruleset(version: 4, actions: [
        "share": ActionRule(points: 10, networks: ["linkedin": 1.5]),
        "like": ActionRule(points: 3, networks: ["linkedin": 0.5]),
        "post": ActionRule(points: 25),
    ], campaigns: [
        Campaign(id: "hiring-dec", name: "Share our job offers", from: utc(2026, 11, 30, 23), to: utc(2026, 12, 31, 23),
                 tags: ["recruitment"], actions: ["share"], multiplier: 2),
        Campaign(id: "winter", name: "Winter", from: utc(2026, 11, 30, 23), to: utc(2027, 1, 31, 23), multiplier: 1.5),
        Campaign(id: "likes", name: "Likes", from: utc(2026, 11, 30, 23), to: utc(2026, 12, 31, 23), actions: ["like"], multiplier: 1.5),
    ])

    @Test func theHighestApplicableMultiplierWinsWithoutStacking() {
        var state = ScoringState()
        let tagged = december.score(event("share", network: "linkedin", at: utc(2026, 12, 10, 9), tags: ["recruitment"]),
                                    member: enrolled, calendar: paris, state: &state)
        #expect(tagged == Award(status: .awarded, points: 30, breakdown: [
            AwardLine(rule: "actions.share", points: 10), AwardLine(rule: "actions.share.networks.linkedin", points: 5, factor: 1.5),
            AwardLine(rule: "campaigns.hiring-dec", points: 15, factor: 2),
        ], rulesVersion: 4, campaign: "hiring-dec"))
        // Without the tag only "winter" applies: 10 × 1.5 × 1.5 = 22.5 → 23.
        let untagged = december.score(event("share", network: "linkedin", at: utc(2026, 12, 10, 9)), member: enrolled, calendar: paris, state: &state)
        #expect(untagged.points == 23)
        #expect(untagged.campaign == "winter")
        #expect(untagged.breakdown.last == AwardLine(rule: "campaigns.winter", points: 8, factor: 1.5))
    }

    @Test func aCampaignAppliesFromItsStartUntilJustBeforeItsEnd() {
        let share = { (instant: Date) in self.event("share", at: instant, tags: ["recruitment"]) }
        #expect(points(december, [share(utc(2026, 11, 30, 22, 59, 59)), share(utc(2026, 11, 30, 23)),
                                  share(utc(2026, 12, 31, 22, 59, 59)), share(utc(2026, 12, 31, 23)), share(utc(2027, 1, 31, 23))])
            == [10, 20, 20, 15, 10])
    }

    @Test func networkAndCampaignRoundOnceOnTheExactProduct() {
        // 3 × 0.5 = 1.5 → 2 after the network; 3 × 0.5 × 1.5 = 2.25 → 2 in all: the campaign adds 0, and still names itself.
        // "winter" and "likes" both multiply by 1.5: the first in the document wins.
        var state = ScoringState()
        let award = december.score(event("like", network: "linkedin", at: utc(2026, 12, 10, 9)), member: enrolled, calendar: paris, state: &state)
        #expect(award.points == 2)
        #expect(award.breakdown == [AwardLine(rule: "actions.like", points: 3), AwardLine(rule: "actions.like.networks.linkedin", points: -1, factor: 0.5),
                                    AwardLine(rule: "campaigns.winter", points: 0, factor: 1.5)])
    }

    // MARK: Caps

    @Test func aDailyCountCapGivesZeroOnceReachedUntilLocalMidnight() {
        let capped = Ruleset(version: 1, actions: ["like": ActionRule(points: 1), "post": ActionRule(points: 25)],
                             caps: [Cap(action: "like", per: .day, maxCount: 3)])
        // 20 November in Paris (UTC+1) ends at 23:00 UTC.
        let likes = [8, 9, 10, 11, 22].map { event("like", at: utc(2026, 11, 20, $0)) } + [event("like", at: utc(2026, 11, 20, 23, 30))]
        var state = ScoringState()
        #expect(points(capped, likes, state: &state) == [1, 1, 1, 0, 0, 1])
        #expect(points(capped, [event("post", at: utc(2026, 11, 20, 12))], state: &state) == [25], "another action is not capped")
        var again = state
        let fourth = capped.score(event("like", at: utc(2026, 11, 20, 12)), member: enrolled, calendar: paris, state: &again)
        #expect(fourth == Award(status: .capped, points: 0, breakdown: [AwardLine(rule: "actions.like", points: 1), AwardLine(rule: "caps[0]", points: -1)],
                                rulesVersion: 1))
        let day = CivilDate(year: 2026, month: 11, day: 20)
        #expect(state.activity[ActivityKey(day: day, action: "like")] == Activity(events: 5, earning: 3, points: 3))
        #expect(state.activity[ActivityKey(day: CivilDate(year: 2026, month: 11, day: 21), action: "like")] == Activity(events: 1, earning: 1, points: 1))
    }

    @Test func aWeeklyPointsCapOverAllActionsGivesWhatStillFitsUntilLocalMonday() {
        let capped = Ruleset(version: 1, actions: ["post": ActionRule(points: 25), "share": ActionRule(points: 10)],
                             caps: [Cap(per: .week, maxPoints: 40)])
        // Monday 16 November 2026 to Sunday 22 November, Paris; Sunday 23:30 UTC is already Monday 23 November there.
        let events = [event("post", at: utc(2026, 11, 16, 9)), event("post", at: utc(2026, 11, 18, 9)), event("share", at: utc(2026, 11, 22, 22)),
                      event("share", at: utc(2026, 11, 22, 23, 30))]
        var state = ScoringState()
        #expect(points(capped, events, state: &state) == [25, 15, 0, 10])
        var probe = state
        let partial = capped.score(event("share", at: utc(2026, 11, 23, 9)), member: enrolled, calendar: paris, state: &probe)
        #expect(partial.status == .awarded, "the new week has room")
        // Sunday 15 November (the previous ISO week) is its own week.
        #expect(points(capped, [event("post", at: utc(2026, 11, 15, 12)), event("post", at: utc(2026, 11, 15, 13))], state: &state) == [25, 15])
    }

    @Test func aCapCountsLocalDaysAcrossTheChangeToSummerTime() {
        // 29 March 2026: Paris goes from UTC+1 to UTC+2 at 01:00 UTC; the day lasts 23 hours, from 23:00 UTC on the
        // 28th to 22:00 UTC on the 29th.
        let capped = Ruleset(version: 1, actions: ["like": ActionRule(points: 1)], caps: [Cap(action: "like", per: .day, maxCount: 2)])
        let likes = [utc(2026, 3, 28, 22, 59), utc(2026, 3, 28, 23, 1), utc(2026, 3, 29, 12), utc(2026, 3, 29, 21, 59), utc(2026, 3, 29, 22, 1)]
        #expect(points(capped, likes.map { event("like", at: $0) }) == [1, 1, 1, 0, 1])
    }

    @Test func theTightestOfSeveralCapsDecidesAndEachReductionIsNamed() {
        let capped = Ruleset(version: 2, actions: ["share": ActionRule(points: 10, networks: ["linkedin": 1.5])],
                             caps: [Cap(action: "share", per: .day, maxCount: 5), Cap(per: .day, maxPoints: 40), Cap(action: "share", per: .week, maxPoints: 35)])
        var state = ScoringState()
        let shares = (0..<4).map { event("share", network: "linkedin", at: utc(2026, 11, 20, 8 + $0)) }
        #expect(points(capped, shares, state: &state) == [15, 15, 5, 0])
        var probe = ScoringState()
        _ = points(capped, Array(shares.prefix(2)), state: &probe)
        let third = capped.score(shares[2], member: enrolled, calendar: paris, state: &probe)
        #expect(third == Award(status: .capped, points: 5, breakdown: [
            AwardLine(rule: "actions.share", points: 10), AwardLine(rule: "actions.share.networks.linkedin", points: 5, factor: 1.5),
            AwardLine(rule: "caps[1]", points: -5), AwardLine(rule: "caps[2]", points: -5),
        ], rulesVersion: 2))
    }

    @Test func capsApplyAfterTheCampaignMultiplier() {
        let ruleset = Ruleset(version: 5, actions: ["share": ActionRule(points: 10)], caps: [Cap(action: "share", per: .day, maxPoints: 50)],
                              campaigns: [Campaign(id: "double", name: "Double", from: utc(2026, 11, 1), to: utc(2026, 12, 1), multiplier: 2)])
        #expect(points(ruleset, (0..<4).map { event("share", at: utc(2026, 11, 20, 8 + $0)) }) == [20, 20, 10, 0])
    }

    // MARK: Once per content

    @Test func oncePerContentEarnsOncePerMemberActionAndContent() {
        let ruleset = Ruleset(version: 1, actions: ["like": ActionRule(points: 1, oncePerContent: true), "share": ActionRule(points: 10)])
        var state = ScoringState()
        let stream = [event("like", content: "post-9"), event("like", content: "post-9"), event("like", content: "post-10"),
                      event("share", content: "post-9"), event("share", content: "post-9"), event("like"), event("like")]
        #expect(points(ruleset, stream, state: &state) == [1, 0, 1, 10, 10, 1, 1])
        #expect(state.contents == [ContentKey(action: "like", contentId: "post-9"), ContentKey(action: "like", contentId: "post-10")])
        var probe = state
        #expect(ruleset.score(event("like", content: "post-9"), member: enrolled, calendar: paris, state: &probe) == Award(
            status: .oncePerContent, points: 0,
            breakdown: [AwardLine(rule: "actions.like", points: 1), AwardLine(rule: "actions.like.oncePerContent", points: -1)], rulesVersion: 1))
        #expect(state.activity[ActivityKey(day: CivilDate(year: 2026, month: 11, day: 20), action: "like")] == Activity(events: 5, earning: 4, points: 4))
    }

    @Test func contentCappedToZeroIsNotClaimed() {
        let ruleset = Ruleset(version: 1, actions: ["like": ActionRule(points: 1, oncePerContent: true)], caps: [Cap(action: "like", per: .day, maxCount: 1)])
        let stream = [event("like", content: "a", at: utc(2026, 11, 20, 8)), event("like", content: "b", at: utc(2026, 11, 20, 9)),
                      event("like", content: "b", at: utc(2026, 11, 21, 9)), event("like", content: "b", at: utc(2026, 11, 22, 9))]
        #expect(points(ruleset, stream) == [1, 0, 1, 0])
    }

    // MARK: Versions

    @Test func theVersionInForceAtAnEventsInstantScoresIt() {
        let v1 = Ruleset(version: 1, effectiveFrom: utc(2026, 11, 1), actions: ["post": ActionRule(points: 30)])
        let v2 = Ruleset(version: 2, effectiveFrom: utc(2026, 12, 1), actions: ["post": ActionRule(points: 40), "click": ActionRule(points: 2)])
        let history = RulesetHistory([v2, v1])
        #expect(history.versions.map(\.version) == [0, 1, 2])
        #expect(history.inForce(at: utc(2026, 10, 31, 23, 59, 59)).version == 0)
        #expect(history.inForce(at: utc(2026, 11, 1)).version == 1)
        #expect(history.inForce(at: utc(2026, 12, 1).addingTimeInterval(-0.001)).version == 1)
        #expect(history.inForce(at: utc(2026, 12, 1)).version == 2)
        #expect(history.knownActions == ["post", "share", "comment", "like", "click"])
        var state = ScoringState()
        let backdated = history.inForce(at: utc(2026, 11, 20)).score(event("click", at: utc(2026, 11, 20)), member: enrolled, calendar: paris, state: &state)
        #expect(backdated.status == .notScored, "a click before version 2 existed is recorded, not scored")
    }
}

extension ScoringTests {
    @Test func aRetractionInTheMiddleOfACappedDayFreesItsPlaceForLaterEvents() {
        let ruleset = Ruleset(version: 1, actions: ["like": ActionRule(points: 1, oncePerContent: true)], caps: [Cap(action: "like", per: .day, maxCount: 2)])
        var state = ScoringState()
        let first = event("like", content: "a")
        let firstAward = ruleset.score(first, member: enrolled, calendar: paris, state: &state)
        #expect(points(ruleset, [event("like", content: "b"), event("like", content: "c")], state: &state) == [1, 0])
        state.retract(first, award: firstAward, claimedContent: true, calendar: paris)
        #expect(state.activity[ActivityKey(day: CivilDate(year: 2026, month: 11, day: 20), action: "like")] == Activity(events: 2, earning: 1, points: 1))
        #expect(points(ruleset, [event("like", content: "a"), event("like", content: "d")], state: &state) == [1, 0])
    }
}
