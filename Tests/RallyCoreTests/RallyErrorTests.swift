import Testing
@testable import RallyCore

@Suite struct RallyErrorTests {
    @Test func validationListsTheFieldsAndKeepsTheProblems() {
        let problems = [FieldProblem(field: "id", problem: "is required"), FieldProblem(field: "tags[2]", problem: "must be 1-64 characters")]
        let error = RallyError.validation(problems)
        #expect(error == RallyError(.validationFailed, "invalid fields: id, tags[2]", details: problems))
    }

    @Test func codesHaveStableWireNames() {
        let codes: [RallyError.Code] = [.malformedJSON, .validationFailed, .unknownMember, .unauthorized, .forbidden, .notFound,
                                        .alreadyExists, .eventConflict, .payloadTooLarge, .unavailable, .internalError]
        #expect(codes.map(\.rawValue) == [
            "malformed_json", "validation_failed", "unknown_member", "unauthorized", "forbidden", "not_found",
            "already_exists", "event_conflict", "payload_too_large", "dependency_unavailable", "internal_error",
        ])
    }

    @Test func detailsDefaultToNone() {
        #expect(RallyError(.notFound, "no such program").details == [])
    }
}
