import Foundation
import Testing
@testable import RallyCore

@Suite struct SimulationTests {
    @Test func aProposedRulesetIsComparedWithWhatTheEventsEarned() {
        let proposed = Ruleset(version: 0, actions: ["post": ActionRule(points: 10), "share": ActionRule(points: 30)])
        var simulation = Simulation(ruleset: proposed, calendar: PeriodCalendar(timeZone: zone("Europe/Paris")))
        let stream: [(String, String, Int, Bool)] = [("ana", "post", 25, true), ("ana", "post", 25, true), ("ben", "share", 10, true),
                                                     ("ben", "share", 10, true), ("cid", "like", 1, true), ("dan", "share", 10, false)]
        for (index, (member, action, stored, ranked)) in stream.enumerated() {
            simulation.replay(Event(id: "e\(index)", memberId: member, action: action, network: nil, contentId: nil,
                                    occurredAt: utc(2026, 11, 20, 9, index), tags: []),
                              stored: stored, enrolled: true, ranked: ranked)
        }
        let result = simulation.result()
        #expect(result.events == 6)
        #expect(result.pointsBefore == 81)
        #expect(result.pointsAfter == 110)
        #expect(result.actions == ["post": ActionTotals(events: 2, before: 50, after: 20), "share": ActionTotals(events: 3, before: 30, after: 90),
                                   "like": ActionTotals(events: 1, before: 1, after: 0)])
        #expect(result.topBefore.map { "\($0.rank) \($0.memberId) \($0.points)" } == ["1 ana 50", "2 ben 20", "3 cid 1"], "dan is hidden")
        #expect(result.topAfter.map { "\($0.rank) \($0.memberId) \($0.points)" } == ["1 ben 60", "2 ana 20", "3 cid 0"])
        #expect(result.movers.map { "\($0.memberId) \($0.before)→\($0.after)" } == ["ana 1→2", "ben 2→1"])
    }

    @Test func capsCountFromTheStartOfTheRangeAndEqualPointsShareARank() {
        let proposed = Ruleset(version: 0, actions: ["like": ActionRule(points: 2)], caps: [Cap(action: "like", per: .day, maxCount: 2)])
        var simulation = Simulation(ruleset: proposed, calendar: PeriodCalendar(timeZone: zone("Europe/Paris")))
        for index in 0..<5 {
            simulation.replay(Event(id: "a\(index)", memberId: "ana", action: "like", network: nil, contentId: nil,
                                    occurredAt: utc(2026, 11, 20, 9, index), tags: []), stored: 1, enrolled: true, ranked: true)
        }
        simulation.replay(Event(id: "b", memberId: "ben", action: "like", network: nil, contentId: nil, occurredAt: utc(2026, 11, 20, 10), tags: []),
                          stored: 1, enrolled: false, ranked: true)
        let result = simulation.result()
        #expect(result.pointsBefore == 6)
        #expect(result.pointsAfter == 4, "ana's third like onwards is capped; ben was not enrolled")
        #expect(result.topAfter.map { "\($0.rank) \($0.memberId) \($0.points)" } == ["1 ana 4", "2 ben 0"])
    }
}
