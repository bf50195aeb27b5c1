import Foundation
import Testing
@testable import RallyCore

/// Reading HR's ruleset documents: the contract's example, every problem named by its path, and scheduling versions.
@Suite struct RulesetDocumentTests {
    func json(_ text: String) -> JSONValue {
        JSONValue(text: text)!
    }

    func problems(_ text: String) -> [FieldProblem] {
        switch Ruleset.parse(json(text)) {
        case .success: []
        case let .failure(failure): failure.problems
        }
    }

    static let contractExample = """
        {
          "version": 3,
          "effectiveFrom": "2026-12-01T00:00:00+01:00",
          "actions": {
            "post":    {"points": 25},
            "share":   {"points": 10, "networks": {"linkedin": 1.5, "x": 1.0}},
            "comment": {"points": 5},
            "like":    {"points": 1, "oncePerContent": true},
            "click":   {"points": 2}
          },
          "caps": [
            {"action": "like", "per": "day", "maxCount": 20},
            {"per": "week", "maxPoints": 500}
          ],
          "campaigns": [
            {"id": "hiring-dec", "name": "Share our job offers", "from": "2026-12-01T00:00:00+01:00",
             "to": "2027-01-01T00:00:00+01:00", "tags": ["recruitment"], "actions": ["share"], "multiplier": 2}
          ],
          "levels": [{"name": "Rookie", "minPoints": 0}, {"name": "Ambassador", "minPoints": 500}]
        }
        """

    static let contractRuleset = Ruleset(
        version: 0, effectiveFrom: utc(2026, 11, 30, 23),
        actions: ["post": ActionRule(points: 25), "share": ActionRule(points: 10, networks: ["linkedin": 1.5, "x": 1]),
                  "comment": ActionRule(points: 5), "like": ActionRule(points: 1, oncePerContent: true), "click": ActionRule(points: 2)],
        caps: [Cap(action: "like", per: .day, maxCount: 20), Cap(per: .week, maxPoints: 500)],
        campaigns: [Campaign(id: "hiring-dec", name: "Share our job offers", from: utc(2026, 11, 30, 23), to: utc(2026, 12, 31, 23),
                             tags: ["recruitment"], actions: ["share"], multiplier: 2)],
        levels: [Level(name: "Rookie", minPoints: 0), Level(name: "Ambassador", minPoints: 500)])

    @Test func theContractsExampleReadsAsWritten() throws {
        let proposal = try Ruleset.parse(json(Self.contractExample)).get()
        #expect(proposal.expectedVersion == 3)
        #expect(proposal.ruleset == Self.contractRuleset)
    }

    @Test func aRulesetWrittenAsADocumentReadsBackTheSame() throws {
        var ruleset = Self.contractRuleset
        ruleset.version = 3
        let document = ruleset.document(in: zone("Europe/Paris"))
        guard case let .object(fields) = document else {
            Issue.record("not an object")
            return
        }
        #expect(fields["effectiveFrom"] == .string("2026-12-01T00:00:00+01:00"))
        #expect(fields["version"] == .integer(3))
        let text = document.text
        #expect(text.contains(#""networks":{"linkedin":1.5,"x":1}"#))
        let read = try Ruleset.parse(try #require(JSONValue(text: text))).get()
        #expect(read.expectedVersion == 3)
        #expect(read.ruleset == Self.contractRuleset)
        #expect(Ruleset.defaults.document(in: .gmt).text
            == #"{"actions":{"comment":{"points":5},"like":{"points":1},"post":{"points":25},"share":{"points":10}},"campaigns":[],"caps":[],"effectiveFrom":null,"levels":[],"version":0}"#)
    }

    @Test func everyProblemIsNamedByItsPath() {
        let found = problems("""
            {
              "effectiveFrom": "next monday",
              "actions": {
                "share": {"points": -5, "networks": {"linkedin": 0, "x": "high"}},
                "like": {"points": 1.5, "oncePerContent": "yes"},
                "post": {"points": 25, "bonus": 3},
                "comment": {}
              },
              "caps": [
                {"action": "tweet", "per": "month", "maxCount": 3},
                {"per": "day"},
                {"per": "week", "maxPoints": 0}
              ],
              "campaigns": [
                {"id": "dec", "name": "December", "from": "2026-12-31T00:00:00Z", "to": "2026-12-01T00:00:00Z", "multiplier": -1,
                 "actions": ["tweet"]},
                {"id": "dec", "name": "", "from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z", "multiplier": 2}
              ],
              "levels": [{"name": "Rookie", "minPoints": 10}, {"name": "Pro", "minPoints": 10}, {"minPoints": 20.5}],
              "color": "blue"
            }
            """)
        #expect(found == [
            FieldProblem(field: "color", problem: "unknown field; expected one of: actions, campaigns, caps, effectiveFrom, levels, version"),
            FieldProblem(field: "effectiveFrom", problem: "must be an RFC 3339 timestamp with an offset, e.g. 2026-12-01T00:00:00+01:00"),
            FieldProblem(field: "actions.comment.points", problem: "is required"),
            FieldProblem(field: "actions.like.points", problem: "must be a whole number"),
            FieldProblem(field: "actions.like.oncePerContent", problem: "must be true or false, not a string"),
            FieldProblem(field: "actions.post.bonus", problem: "unknown field; expected one of: networks, oncePerContent, points"),
            FieldProblem(field: "actions.share.points", problem: "must be between 0 and 1000000"),
            FieldProblem(field: "actions.share.networks.linkedin", problem: "must be more than 0 and at most 100"),
            FieldProblem(field: "actions.share.networks.x", problem: "must be a number, not a string"),
            FieldProblem(field: "caps[0].action", problem: "names an action this ruleset does not score"),
            FieldProblem(field: "caps[0].per", problem: "must be one of: day, week"),
            FieldProblem(field: "caps[1]", problem: "needs maxCount, maxPoints or both"),
            FieldProblem(field: "caps[2].maxPoints", problem: "must be between 1 and 2147483647"),
            FieldProblem(field: "campaigns[0].to", problem: "must be after from"),
            FieldProblem(field: "campaigns[0].actions[0]", problem: "names an action this ruleset does not score"),
            FieldProblem(field: "campaigns[0].multiplier", problem: "must be more than 0 and at most 100"),
            FieldProblem(field: "campaigns[1].id", problem: "is the id of an earlier campaign"),
            FieldProblem(field: "campaigns[1].name", problem: "must not be empty"),
            FieldProblem(field: "levels[0].minPoints", problem: "the first level must start at 0"),
            FieldProblem(field: "levels[1].minPoints", problem: "must be more than the previous level's 10"),
            FieldProblem(field: "levels[2].name", problem: "is required"),
            FieldProblem(field: "levels[2].minPoints", problem: "must be a whole number"),
        ])
    }

    @Test func theShapeItselfIsChecked() {
        #expect(problems("[]") == [FieldProblem(field: "", problem: "must be an object, not an array")])
        #expect(problems("{}") == [FieldProblem(field: "actions", problem: "is required")])
        #expect(problems(#"{"actions": {}}"#) == [FieldProblem(field: "actions", problem: "must name at least one action")])
        #expect(problems(#"{"actions": {"Share!": {"points": 1}}, "caps": {}}"#) == [
            FieldProblem(field: "actions.Share!", problem: "an action name must be 1-128 characters of A-Z a-z 0-9 . _ : @ -"),
            FieldProblem(field: "caps", problem: "must be an array, not an object"),
        ])
        #expect(problems(#"{"actions": {"post": {"points": 1}}, "version": 0}"#) == [FieldProblem(field: "version", problem: "must be between 1 and 2147483647")])
    }

    // MARK: Scheduling

    let now = utc(2026, 11, 30, 10, 0, 0).addingTimeInterval(0.25)

    func proposal(effectiveFrom: Date? = nil, expecting version: Int? = nil) -> RulesetProposal {
        RulesetProposal(ruleset: Ruleset(version: 0, effectiveFrom: effectiveFrom, actions: ["post": ActionRule(points: 30)]), expectedVersion: version)
    }

    @Test func aProposalBecomesTheNextVersionFromNowOrItsFutureStart() throws {
        let first = try RulesetHistory.defaults.schedule(proposal(), now: now).get()
        #expect(first.version == 1)
        #expect(first.effectiveFrom == utc(2026, 11, 30, 10, 0, 0).addingTimeInterval(0.25), "now (to the millisecond)")
        let history = RulesetHistory([first])
        let second = try history.schedule(proposal(effectiveFrom: utc(2026, 12, 1), expecting: 2), now: now).get()
        #expect(second.version == 2)
        #expect(second.effectiveFrom == utc(2026, 12, 1))
        let late = try RulesetHistory.defaults.schedule(proposal(effectiveFrom: now.addingTimeInterval(-30)), now: now).get()
        #expect(late.effectiveFrom == first.effectiveFrom, "a start within a minute before now means now")
    }

    @Test func aProposalInThePastClashingOrRacingIsRefused() throws {
        let scheduled = Ruleset(version: 1, effectiveFrom: utc(2026, 12, 1), actions: ["post": ActionRule(points: 30)])
        let history = RulesetHistory([scheduled])
        #expect(throws: RallyError.validation([FieldProblem(field: "effectiveFrom", problem: "is in the past: rules are never retroactive")])) {
            try history.schedule(proposal(effectiveFrom: now.addingTimeInterval(-120)), now: now).get()
        }
        #expect(throws: RallyError.validation([FieldProblem(field: "effectiveFrom",
                                                            problem: "must be after version 1's effectiveFrom (2026-12-01T00:00:00Z), already scheduled")])) {
            try history.schedule(proposal(effectiveFrom: utc(2026, 12, 1)), now: now).get()
        }
        let conflict = history.schedule(proposal(effectiveFrom: utc(2026, 12, 2), expecting: 5), now: now)
        guard case let .failure(error) = conflict else {
            Issue.record("a proposal expecting another version number must be refused")
            return
        }
        #expect(error.code == .conflict)
        #expect(error.details == [FieldProblem(field: "version", problem: "must be 2, the next version")])
    }
}
