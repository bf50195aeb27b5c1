import Testing
@testable import RallyCore

@Suite struct FieldProblemTests {
    @Test func nestedPrefixesTheParentPath() {
        let problem = FieldProblem(field: "action", problem: "is required")
        #expect(problem.nested(under: "events[3]") == FieldProblem(field: "events[3].action", problem: "is required"))
    }

    @Test func nestedEmptyFieldBecomesTheParent() {
        #expect(FieldProblem(field: "", problem: "bad").nested(under: "events[0]") == FieldProblem(field: "events[0]", problem: "bad"))
    }

    @Test func nestedTwiceBuildsTheWholePath() {
        let problem = FieldProblem(field: "linkedin", problem: "must not be negative").nested(under: "audience").nested(under: "members[2]")
        #expect(problem.field == "members[2].audience.linkedin")
    }
}
