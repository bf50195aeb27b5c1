/// The one error type Rally's API answers with: a stable code, a message for people, and the fields at fault.
public struct RallyError: Error, Sendable, Equatable {
    public enum Code: String, Sendable, Codable {
        case malformedJSON = "malformed_json"
        case validationFailed = "validation_failed"
        case unknownMember = "unknown_member"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case alreadyExists = "already_exists"
        case eventConflict = "event_conflict"
        case payloadTooLarge = "payload_too_large"
        case unavailable = "dependency_unavailable"
        case internalError = "internal_error"
    }

    public var code: Code
    public var message: String
    public var details: [FieldProblem]

    public init(_ code: Code, _ message: String, details: [FieldProblem] = []) {
        self.code = code
        self.message = message
        self.details = details
    }

    public static func validation(_ problems: [FieldProblem]) -> RallyError {
        let fields = problems.map(\.field).filter { !$0.isEmpty }
        let message = fields.isEmpty ? "the request is invalid" : "invalid fields: \(fields.joined(separator: ", "))"
        return RallyError(.validationFailed, message, details: problems)
    }
}
