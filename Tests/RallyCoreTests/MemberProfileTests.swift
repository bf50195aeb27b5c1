import Testing
@testable import RallyCore

@Suite struct MemberProfileTests {
    func profile(displayName: String? = "Ada Lovelace", team: String? = "Engineering", region: String? = "EMEA",
                 audience: [String: Int] = ["linkedin": 500, "x": 0]) -> MemberProfile {
        MemberProfile(displayName: displayName, team: team, region: region, enrolled: true, audience: audience, visibility: .public)
    }

    @Test func validProfileHasNoProblems() {
        #expect(profile().problems == [])
    }

    @Test func absentTextFieldsAndEmptyAudienceAreValid() {
        #expect(profile(displayName: nil, team: nil, region: nil, audience: [:]).problems == [])
    }

    @Test func negativeAudienceNamesTheNetwork() {
        #expect(profile(audience: ["linkedin": -1, "x": 10]).problems
            == [FieldProblem(field: "audience.linkedin", problem: "must not be negative")])
    }

    @Test func negativeAudiencesAreReportedInNetworkOrder() {
        #expect(profile(audience: ["x": -3, "facebook": 2, "linkedin": -1]).problems.map(\.field)
            == ["audience.linkedin", "audience.x"])
    }

    @Test func invalidNetworkNameIsAnAudienceProblem() {
        let problems = profile(audience: ["linked in": 5]).problems
        #expect(problems.map(\.field) == ["audience"])
        #expect(problems.first?.problem.contains("'linked in'") == true)
        #expect(profile(audience: [String(repeating: "n", count: 65): 5]).problems.map(\.field) == ["audience"])
        #expect(profile(audience: [String(repeating: "n", count: 64): 5]).problems == [])
    }

    @Test func emptyDisplayNameIsRejected() {
        #expect(profile(displayName: "").problems
            == [FieldProblem(field: "displayName", problem: "must not be empty")])
    }

    @Test func textFieldsAllowUpTo200Characters() {
        #expect(profile(displayName: String(repeating: "é", count: 200)).problems == [])
        #expect(profile(team: String(repeating: "t", count: 201)).problems.map(\.field) == ["team"])
    }

    @Test func controlCharactersAreRejected() {
        #expect(profile(region: "EM\nEA").problems.map(\.field) == ["region"])
        #expect(profile(displayName: "Ada\u{7}").problems.map(\.field) == ["displayName"])
        #expect(profile(team: "a\u{0}b").problems.map(\.field) == ["team"])
        #expect(profile(displayName: "Ana 🚀").problems == [])
    }

    @Test func everyProblemIsReported() {
        let problems = profile(displayName: "", team: "", region: "", audience: ["linkedin": -1]).problems
        #expect(problems.map(\.field) == ["displayName", "team", "region", "audience.linkedin"])
    }

    @Test func visibilityRawValues() {
        #expect(Visibility.allCases.map(\.rawValue) == ["public", "anonymous", "hidden"])
    }
}
