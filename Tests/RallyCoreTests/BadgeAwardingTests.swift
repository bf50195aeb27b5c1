import Foundation
import Testing
@testable import RallyCore

/// Awarding badges as events are scored: each criterion at its threshold and one below, tiers, streaks through local
/// midnight and DST, retractions, what a retroactive pass finds, and what an event needs of the member's history.
@Suite struct BadgeAwardingTests {
    let paris = PeriodCalendar(timeZone: zone("Europe/Paris"))
    let rules = Ruleset.defaults

    /// Scores `events` in order for one member as the writer does, and returns each event's awards.
    func replay(_ events: [(action: String, at: Date)], badges: [Badge], state: inout ScoringState) -> [[BadgeAwardKey]] {
        events.enumerated().map { index, item in
            let event = Event(id: "e\(index)", memberId: "ana", action: item.action, network: nil, contentId: nil, occurredAt: item.at, tags: [])
            let award = rules.score(event, member: MemberEnrolment(enrolled: true), calendar: paris, state: &state)
            return Badge.awards(badges, after: event.action, on: paris.localDate(of: item.at), state: &state)
        }
    }

    func key(_ badge: String, _ tier: String? = nil) -> BadgeAwardKey { BadgeAwardKey(badgeId: badge, tier: tier) }

    @Test func aFirstActionBadgeComesWithTheFirstScoredEventOfItsActionOnly() {
        let badge = Badge(id: "first-post", name: "First post", criteria: .firstAction(action: "post"), tiers: [BadgeTier(id: nil, threshold: 1)])
        var state = ScoringState()
        let awards = replay([("share", utc(2026, 11, 2, 9)), ("post", utc(2026, 11, 2, 10)), ("post", utc(2026, 11, 3, 10))], badges: [badge], state: &state)
        #expect(awards == [[], [key("first-post")], []])
    }

    @Test func anActionCountBadgeComesAtItsCountAndNotOneBefore() {
        let badge = Badge(id: "sharer", name: "Sharer", criteria: .actionCount(action: "share", period: .all), tiers: [BadgeTier(id: nil, threshold: 3)])
        var state = ScoringState()
        let awards = replay((0..<4).map { ("share", utc(2026, 11, 2 + $0, 9)) }, badges: [badge], state: &state)
        #expect(awards == [[], [], [key("sharer")], []])
    }

    @Test func aWeeklyCountStartsAgainEachIsoWeekInTheProgramsZone() {
        let badge = Badge(id: "busy-week", name: "Busy week", criteria: .actionCount(action: "comment", period: .week), tiers: [BadgeTier(id: nil, threshold: 2)])
        var state = ScoringState()
        // Sunday 8 November 23:30 in Paris (22:30 UTC), then Monday 9 November 00:30 (23:30 UTC on the 8th): two weeks.
        let awards = replay([("comment", utc(2026, 11, 8, 22, 30)), ("comment", utc(2026, 11, 8, 23, 30)), ("comment", utc(2026, 11, 10, 9))],
                            badges: [badge], state: &state)
        #expect(awards == [[], [], [key("busy-week")]])
    }

    @Test func onePostCrossingTwoTiersEarnsBoth() {
        let badge = Badge(id: "points", name: "Points", criteria: .points(period: .month),
                          tiers: [BadgeTier(id: "bronze", threshold: 20), BadgeTier(id: "silver", threshold: 30), BadgeTier(id: "gold", threshold: 60)])
        var state = ScoringState()
        // A like (1), then a post (25): 26 reaches bronze; a share (36) silver; a post (61) gold.
        let awards = replay([("like", utc(2026, 11, 2, 9)), ("post", utc(2026, 11, 2, 10)), ("share", utc(2026, 11, 2, 11)), ("post", utc(2026, 11, 3, 9))],
                            badges: [badge], state: &state)
        #expect(awards == [[], [key("points", "bronze")], [key("points", "silver")], [key("points", "gold")]])

        // One post of 25 points crosses 5 and 20 at once.
        let low = Badge(id: "low", name: "Low", criteria: .points(period: .all), tiers: [BadgeTier(id: "a", threshold: 5), BadgeTier(id: "b", threshold: 20),
                                                                                      BadgeTier(id: "c", threshold: 26)])
        var fresh = ScoringState()
        #expect(replay([("post", utc(2026, 11, 2, 9))], badges: [low], state: &fresh) == [[key("low", "a"), key("low", "b")]])
        #expect(low.newAwards(value: 26, held: fresh.held) == [key("low", "c")])
    }

    @Test func aDayStreakIsKeptAcrossLocalMidnightAndTheDstChangeAndBrokenByAMissedDay() {
        let badge = Badge(id: "streak", name: "Three days", criteria: .streak(unit: .day, actions: []), tiers: [BadgeTier(id: nil, threshold: 3)])
        var state = ScoringState()
        // 28 March 23:30 Paris (22:30 UTC), 29 March (the 23-hour day) 00:30 local (23:30 UTC on the 28th): two local days.
        // Then 30 March: three in a row.
        let awards = replay([("like", utc(2026, 3, 28, 22, 30)), ("like", utc(2026, 3, 28, 23, 30)), ("like", utc(2026, 3, 30, 8))],
                            badges: [badge], state: &state)
        #expect(awards == [[], [], [key("streak")]])

        var broken = ScoringState()
        let gap = replay([("like", utc(2026, 3, 27, 9)), ("like", utc(2026, 3, 28, 9)), ("like", utc(2026, 3, 30, 9)), ("like", utc(2026, 3, 31, 9))],
                         badges: [badge], state: &broken)
        #expect(gap == [[], [], [], []], "the 29th was missed: two runs of two")
        // A backdated event filling the gap joins the runs: four in a row.
        #expect(replay([("like", utc(2026, 3, 29, 12))], badges: [badge], state: &broken) == [[key("streak")]])
        #expect(badge.value(on: CivilDate(year: 2026, month: 3, day: 29), state: broken) == 5)
    }

    @Test func aWeekStreakRunsAcrossTheYearEnd() {
        let badge = Badge(id: "weeks", name: "Three weeks", criteria: .streak(unit: .week, actions: ["post"]), tiers: [BadgeTier(id: nil, threshold: 3)])
        var state = ScoringState()
        // 2026-W52, 2026-W53 (a share does not count: the badge names posts), then a post in W53 and one in 2027-W01.
        let awards = replay([("post", utc(2026, 12, 22, 9)), ("share", utc(2026, 12, 29, 9)), ("post", utc(2027, 1, 2, 9)), ("post", utc(2027, 1, 5, 9))],
                            badges: [badge], state: &state)
        #expect(awards == [[], [], [], [key("weeks")]])
    }

    @Test func aRetractionInsideAStreakShortensItButLeavesTheBadge() {
        let badge = Badge(id: "streak", name: "Three days", criteria: .streak(unit: .day, actions: []), tiers: [BadgeTier(id: nil, threshold: 3)])
        var state = ScoringState()
        let days = [utc(2026, 11, 2, 9), utc(2026, 11, 3, 9), utc(2026, 11, 4, 9)]
        #expect(replay(days.map { ("comment", $0) }, badges: [badge], state: &state) == [[], [], [key("streak")]])
        let middle = Event(id: "e1", memberId: "ana", action: "comment", network: nil, contentId: nil, occurredAt: days[1], tags: [])
        state.retract(middle, award: Award(status: .awarded, points: 5, breakdown: []), claimedContent: false, calendar: paris)
        #expect(badge.value(on: CivilDate(year: 2026, month: 11, day: 4), state: state) == 1)
        #expect(badge.bestValue(history: state) == 1)
        #expect(state.held == [key("streak")], "the badge stays")
        #expect(state.lifetime["comment"] == Activity(events: 2, earning: 2, points: 10))
    }

    @Test func theBestValueOfAHistoryIsItsBusiestPeriodOrLongestStreak() {
        var history: [ActivityKey: Activity] = [:]
        for (day, events) in [(2, 1), (3, 2), (10, 4), (11, 1), (12, 1), (20, 1)] {
            history[ActivityKey(day: CivilDate(year: 2026, month: 11, day: day), action: "share")] = Activity(events: events, earning: events, points: Int64(events * 10))
        }
        let state = ScoringState(history: history)
        #expect(Badge(id: "w", name: "W", criteria: .actionCount(action: "share", period: .week), tiers: [BadgeTier(id: nil, threshold: 1)])
            .bestValue(history: state) == 6, "the week of 9 November: 4 + 1 + 1")
        #expect(Badge(id: "a", name: "A", criteria: .actionCount(action: "share", period: .all), tiers: [BadgeTier(id: nil, threshold: 1)])
            .bestValue(history: state) == 10)
        #expect(Badge(id: "p", name: "P", criteria: .points(period: .day), tiers: [BadgeTier(id: nil, threshold: 1)]).bestValue(history: state) == 40)
        #expect(Badge(id: "s", name: "S", criteria: .streak(unit: .day, actions: []), tiers: [BadgeTier(id: nil, threshold: 1)])
            .bestValue(history: state) == 3)
        #expect(Badge(id: "c", name: "C", criteria: .actionCount(action: "post", period: .all), tiers: [BadgeTier(id: nil, threshold: 1)])
            .bestValue(history: state) == 0)
        // A lifetime count reads the lifetime figures alone, as a retroactive pass loads them (without the days).
        var lifetimeOnly = ScoringState()
        lifetimeOnly.lifetime["share"] = Activity(events: 7, earning: 7, points: 70)
        lifetimeOnly.lifetimePoints = 70
        #expect(Badge(id: "a", name: "A", criteria: .actionCount(action: "share", period: .all), tiers: [BadgeTier(id: nil, threshold: 1)])
            .bestValue(history: lifetimeOnly) == 7)
        #expect(Badge(id: "p", name: "P", criteria: .points(period: .all), tiers: [BadgeTier(id: nil, threshold: 1)]).bestValue(history: lifetimeOnly) == 70)
        #expect(Badge(id: "f", name: "F", criteria: .firstAction(action: "share"), tiers: [BadgeTier(id: nil, threshold: 1)]).bestValue(history: lifetimeOnly) == 1)
    }

    @Test func anEventNeedsTheDaysItsCapsAndBadgesRead() {
        let badges = [
            Badge(id: "m", name: "M", criteria: .points(period: .month), tiers: [BadgeTier(id: nil, threshold: 100)]),
            Badge(id: "s", name: "S", criteria: .streak(unit: .day, actions: ["post"]), tiers: [BadgeTier(id: nil, threshold: 3), BadgeTier(id: "x", threshold: 5)]),
            Badge(id: "r", name: "R", criteria: .rank(period: .week, scope: .program), tiers: [BadgeTier(id: nil, threshold: 3)]),
        ]
        let day = CivilDate(year: 2026, month: 11, day: 20)
        func need(_ action: String) -> HistoryNeed {
            var need = HistoryNeed()
            need.add(Event(id: "e", memberId: "ana", action: action, network: nil, contentId: nil, occurredAt: paris.instant(atNoonOf: day), tags: []),
                     ruleset: rules, badges: badges, calendar: paris)
            return need
        }
        let november = CivilDate(year: 2026, month: 11, day: 1).daysSinceEpoch..<CivilDate(year: 2026, month: 12, day: 1).daysSinceEpoch
        #expect(need("share").days == november && need("share").badges)
        // A post also reads five days on either side of its own (the longest streak tier), within November here.
        #expect(need("post").days == november)
        #expect(HistoryNeed().isEmpty)
        var none = HistoryNeed()
        none.add(Event(id: "e", memberId: "ana", action: "share", network: nil, contentId: nil, occurredAt: paris.instant(atNoonOf: day), tags: []),
                 ruleset: rules, badges: [badges[2]], calendar: paris)
        #expect(none.isEmpty, "rank badges are given when periods close: events need nothing for them")
    }

    @Test func aLevelIsReachedWhenPointsCrossItsMinimum() {
        let levels = Ruleset(version: 1, actions: [:], levels: [Level(name: "Rookie", minPoints: 0), Level(name: "Ambassador", minPoints: 100),
                                                                 Level(name: "Star", minPoints: 500)])
        #expect(levels.levelReached(from: 99, to: 100) == Level(name: "Ambassador", minPoints: 100))
        #expect(levels.levelReached(from: 90, to: 99) == nil)
        #expect(levels.levelReached(from: 0, to: 600) == Level(name: "Star", minPoints: 500), "two levels at once: the highest")
        #expect(levels.levelReached(from: 600, to: 90) == nil, "a retraction does not reach anything")
        #expect(Ruleset.defaults.levelReached(from: 0, to: 1000) == nil)
    }

    @Test func periodDaysAreLocalCalendarSpans() {
        let day = CivilDate(year: 2026, month: 12, day: 31)
        func span(_ kind: PeriodKind) -> [String]? {
            PeriodCalendar.days(of: kind, containing: day).map { [$0.lowerBound, $0.upperBound - 1].map { PeriodCalendar.dayKey(CivilDate(daysSinceEpoch: $0)) } }
        }
        #expect(span(.day) == ["2026-12-31", "2026-12-31"])
        #expect(span(.week) == ["2026-12-28", "2027-01-03"])
        #expect(span(.month) == ["2026-12-01", "2026-12-31"])
        #expect(span(.quarter) == ["2026-10-01", "2026-12-31"])
        #expect(span(.year) == ["2026-01-01", "2026-12-31"])
        #expect(span(.all) == nil)
    }
}

extension ScoringState {
    /// The state of a member's whole history, given as activity per day and action: lifetime figures are its sums.
    init(history: [ActivityKey: Activity]) {
        self.init(activity: history)
        for (key, value) in history {
            lifetime[key.action, default: Activity()].add(value)
            lifetimePoints += value.points
        }
    }
}
