import Foundation
import Testing
@testable import RallyCore

@Suite struct ChallengeDocumentTests {
    static func parse(_ text: String) -> Result<Challenge, ValidationFailure> {
        Challenge.parse(JSONValue(text: text)!, id: "dec", knownActions: ["post", "share"], challengeBadges: ["sharers"])
    }

    @Test func aDocumentReadsIntoAChallenge() throws {
        let challenge = try Self.parse(#"""
            {"name": "Sales", "scope": {"team": "Sales"}, "metric": {"action": "share"}, "target": 500,
             "from": "2026-12-01T00:00:00+01:00", "to": "2027-01-01T00:00:00+01:00", "badgeId": "sharers"}
            """#).get()
        #expect(challenge == Challenge(id: "dec", name: "Sales", scope: .team("Sales"), metric: .action("share"), target: 500,
                                       from: RFC3339.parse("2026-12-01T00:00:00+01:00")!, to: RFC3339.parse("2027-01-01T00:00:00+01:00")!,
                                       badgeId: "sharers"))
        let points = try Self.parse(#"{"name": "All", "scope": {}, "metric": {"points": true}, "target": 1, "from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z", "badgeId": null}"#).get()
        #expect(points.scope == .program && points.metric == .points && points.badgeId == nil)
    }

    @Test func everyProblemIsNamedByItsPath() {
        let fields = Self.parse(#"{"id": "other", "scope": {"region": 3}, "metric": {}, "target": -1, "from": "soon", "to": "2026-12-02T00:00:00Z", "badgeId": "first"}"#)
            .failure?.problems.map(\.field)
        #expect(fields == ["id", "name", "scope.region", "metric", "target", "from", "badgeId"])
    }

    @Test func aStandingCountsPositiveContributionsAndRanksTheTop() {
        let standing = ChallengeStanding([ChallengeContribution(memberId: "ben", value: 3), ChallengeContribution(memberId: "ana", value: 3),
                                          ChallengeContribution(memberId: "cid", value: 5), ChallengeContribution(memberId: "dan", value: 0)], top: 2)
        #expect(standing.progress == 11 && standing.contributors == 3)
        #expect(standing.top.map(\.memberId) == ["cid", "ana"], "most first, ties by id")
    }

    @Test func aChallengeBadgeHasNoThresholdNorTiersAndNoEventEarnsIt() throws {
        let badge = try Badge.parse(JSONValue(text: #"{"name": "Sharers", "criteria": {"type": "challenge"}}"#)!, id: "sharers", knownActions: []).get()
        #expect(badge.criteria == .challenge && badge.tiers == [BadgeTier(id: nil, threshold: 1)] && !badge.criteria.isEarnedByEvents)
        #expect(!badge.counts("post"))
        #expect(badge.document == JSONValue(text: #"{"badgeId": "sharers", "name": "Sharers", "criteria": {"type": "challenge"}}"#))
        let tiered = Badge.parse(JSONValue(text: #"{"name": "S", "criteria": {"type": "challenge"}, "tiers": [{"id": "a", "count": 1}]}"#)!, id: "s", knownActions: [])
        if case let .failure(failure) = tiered { #expect(failure.problems.map(\.field) == ["tiers"]) } else { Issue.record("tiers accepted") }
    }
}

private extension Result {
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
