import Foundation
import Testing
@testable import RallyCore

/// Badge documents and the pure parts of awarding them: tiers reached at their thresholds, streaks over local days
/// and ISO weeks.
@Suite struct BadgeTests {
    let known: Set<String> = ["post", "share", "comment", "like"]
    let paris = PeriodCalendar(timeZone: zone("Europe/Paris"))

    func parse(_ text: String, id: String = "sharer") -> Result<Badge, ValidationFailure> {
        Badge.parse(JSONValue(text: text)!, id: id, knownActions: known)
    }

    func problems(_ text: String) -> [FieldProblem] {
        if case let .failure(failure) = parse(text) { failure.problems } else { [] }
    }

    @Test func theContractsExampleReadsAsWritten() throws {
        let badge = try parse("""
            {"name": "Sharer", "description": "10 shares", "criteria": {"type": "actionCount", "action": "share", "count": 10, "period": "all"},
             "tiers": [{"id": "bronze", "count": 10}, {"id": "silver", "count": 50}, {"id": "gold", "count": 200}]}
            """).get()
        #expect(badge == Badge(id: "sharer", name: "Sharer", description: "10 shares", criteria: .actionCount(action: "share", period: .all),
                               tiers: [BadgeTier(id: "bronze", threshold: 10), BadgeTier(id: "silver", threshold: 50), BadgeTier(id: "gold", threshold: 200)]))
        // At each threshold, and one below.
        #expect(badge.tiersReached(by: 9).isEmpty)
        #expect(badge.tiersReached(by: 10).map(\.id) == ["bronze"])
        #expect(badge.tiersReached(by: 49).map(\.id) == ["bronze"])
        #expect(badge.tiersReached(by: 200).map(\.id) == ["bronze", "silver", "gold"])
    }

    @Test func eachCriterionWithoutTiersHasOneUnnamedTier() throws {
        let first = try parse(#"{"name": "First post", "criteria": {"type": "firstAction", "action": "post"}}"#).get()
        #expect(first.criteria == .firstAction(action: "post"))
        #expect(first.tiersReached(by: 0).isEmpty)
        #expect(first.tiersReached(by: 1) == [BadgeTier(id: nil, threshold: 1)])
        let points = try parse(#"{"name": "Busy month", "criteria": {"type": "points", "points": 500, "period": "month"}}"#).get()
        #expect(points.criteria == .points(period: .month))
        #expect(points.tiersReached(by: 499).isEmpty && points.tiersReached(by: 500).count == 1)
        let streak = try parse(#"{"name": "Four weeks", "criteria": {"type": "streak", "unit": "week", "length": 4, "actions": ["post", "share"]}}"#).get()
        #expect(streak.criteria == .streak(unit: .week, actions: ["post", "share"]))
        #expect(streak.tiersReached(by: 3).isEmpty && streak.tiersReached(by: 4).count == 1)
        let rank = try parse(#"{"name": "Podium", "criteria": {"type": "rank", "period": "month", "top": 3}}"#).get()
        #expect(rank.criteria == .rank(period: .month, scope: .program))
        #expect(rank.tiersReached(by: 3).count == 1 && rank.tiersReached(by: 4).isEmpty && rank.tiersReached(by: 0).isEmpty)
    }

    @Test func rankTiersGoFromMorePlacesToFewer() throws {
        let badge = try parse("""
            {"name": "Top", "criteria": {"type": "rank", "period": "week"}, "tiers": [{"id": "top10", "top": 10}, {"id": "top3", "top": 3}, {"id": "first", "top": 1}]}
            """).get()
        #expect(badge.tiersReached(by: 3).map(\.id) == ["top10", "top3"], "a tie for 3rd is 3rd")
        #expect(badge.tiersReached(by: 1).map(\.id) == ["top10", "top3", "first"])
        #expect(problems(#"{"name": "Top", "criteria": {"type": "rank", "period": "week"}, "tiers": [{"id": "a", "top": 3}, {"id": "b", "top": 10}]}"#)
            == [FieldProblem(field: "tiers[1].top", problem: "must be fewer places than the previous tier's 3")])
    }

    @Test func everyProblemIsNamedByItsPath() {
        #expect(problems("""
            {"name": "", "colour": "red", "criteria": {"type": "actionCount", "action": "tweet", "period": "fortnight", "count": 5, "extra": 1},
             "tiers": [{"id": "a", "count": 5}]}
            """) == [
            FieldProblem(field: "colour", problem: "unknown field; expected one of: badgeId, criteria, description, name, tiers"),
            FieldProblem(field: "name", problem: "must not be empty"),
            FieldProblem(field: "criteria.action", problem: "names an action no version of the rules scores"),
            FieldProblem(field: "criteria.period", problem: "must be one of: day, week, month, quarter, year, all"),
            FieldProblem(field: "criteria.extra", problem: "unknown field; expected one of: action, count, period, type"),
        ])
        #expect(problems("""
            {"name": "Sharer", "criteria": {"type": "actionCount", "action": "share", "period": "all", "count": 3, "extra": 1},
             "tiers": [{"id": "a", "count": 5}, {"id": "a", "count": 5}, {"count": 0}]}
            """) == [
            FieldProblem(field: "criteria.extra", problem: "unknown field; expected one of: action, count, period, type"),
            FieldProblem(field: "tiers[1].id", problem: "is the id of an earlier tier"),
            FieldProblem(field: "tiers[1].count", problem: "must be more than the previous tier's 5"),
            FieldProblem(field: "tiers[2].id", problem: "is required"),
            FieldProblem(field: "tiers[2].count", problem: "must be between 1 and 1000000"),
        ])
        #expect(problems(#"{"name": "X", "criteria": {"type": "loyalty"}}"#)
            == [FieldProblem(field: "criteria.type", problem: "must be one of: firstAction, actionCount, points, streak, rank, challenge")])
        #expect(problems(#"{"name": "X", "criteria": {"type": "points", "period": "week"}}"#)
            == [FieldProblem(field: "criteria.points", problem: "is required (or give tiers)")])
        #expect(problems(#"{"name": "X", "criteria": {"type": "rank", "period": "all", "top": 3}}"#)
            == [FieldProblem(field: "criteria.period", problem: "must be one of: day, week, month, quarter, year")])
        #expect(problems(#"{"name": "X", "criteria": {"type": "firstAction", "action": "post"}, "tiers": []}"#)
            == [FieldProblem(field: "tiers", problem: "a firstAction badge has no tiers")])
    }

    @Test func aDayStreakCountsLocalDaysAcrossMidnightAndTheChangeToSummerTime() {
        // 27, 28, 29 (23 hours long in Paris) and 30 March 2026, then a gap, then 1 April.
        let days = [utc(2026, 3, 27, 12), utc(2026, 3, 28, 22, 59), utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 21, 59), utc(2026, 3, 29, 22, 30)]
            .map(paris.localDate)
        #expect(days.map(PeriodCalendar.dayKey) == ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-29", "2026-03-30"])
        let streak = Streak(activeDays: days, unit: .day)
        #expect(streak == Streak(current: 4, best: 4, lastUnit: CivilDate(year: 2026, month: 3, day: 30)))
        let broken = Streak(activeDays: days + [CivilDate(year: 2026, month: 4, day: 1)], unit: .day)
        #expect(broken == Streak(current: 1, best: 4, lastUnit: CivilDate(year: 2026, month: 4, day: 1)))
        #expect(streak.asOf(CivilDate(year: 2026, month: 3, day: 31), unit: .day).current == 4, "still alive the next day")
        #expect(streak.asOf(CivilDate(year: 2026, month: 4, day: 1), unit: .day).current == 0, "a whole day missed")
    }

    @Test func aWeekStreakRunsAcrossTheYearEndAndARetractionOpensAGap() {
        // ISO weeks 2026-W52, 2026-W53 (28 Dec 2026 to 3 Jan 2027) and 2027-W01.
        let days = [CivilDate(year: 2026, month: 12, day: 22), CivilDate(year: 2026, month: 12, day: 31), CivilDate(year: 2027, month: 1, day: 2),
                    CivilDate(year: 2027, month: 1, day: 5)]
        #expect(Streak(activeDays: days, unit: .week) == Streak(current: 3, best: 3, lastUnit: CivilDate(year: 2027, month: 1, day: 4)))
        // Without the week of 28 December (its events retracted): two runs of one.
        let retracted = [days[0], days[3]]
        #expect(Streak(activeDays: retracted, unit: .week) == Streak(current: 1, best: 1, lastUnit: CivilDate(year: 2027, month: 1, day: 4)))
        #expect(Streak(activeDays: [], unit: .week) == Streak())
    }

    @Test func aBadgeWrittenAsADocumentReadsBackTheSame() throws {
        let texts = [
            #"{"name": "Sharer", "criteria": {"type": "actionCount", "action": "share", "period": "all"}, "tiers": [{"id": "bronze", "count": 10}, {"id": "gold", "count": 20}]}"#,
            #"{"name": "First post", "description": "Welcome", "criteria": {"type": "firstAction", "action": "post"}}"#,
            #"{"name": "Four weeks", "criteria": {"type": "streak", "unit": "week", "length": 4, "actions": ["post"]}}"#,
            #"{"name": "Podium", "criteria": {"type": "rank", "period": "month", "top": 3}}"#,
        ]
        for text in texts {
            let badge = try parse(text).get()
            #expect(try Badge.parse(badge.document, id: "sharer", knownActions: known).get() == badge)
        }
        #expect(problems(#"{"badgeId": "other", "name": "X", "criteria": {"type": "firstAction", "action": "post"}}"#)
            == [FieldProblem(field: "badgeId", problem: "must be the badge id of the path, or left out")])
    }
}
