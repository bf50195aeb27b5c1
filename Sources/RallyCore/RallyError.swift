/// The one error type Rally's API answers with: a stable code, a message for people, and the fields at fault.
public struct RallyError: Error, Sendable, Equatable {
    public enum Code: String, Sendable, Codable {
        case malformedJSON = "malformed_json"
        case validationFailed = "validation_failed"
        case unknownMember = "unknown_member"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        /// The path exists, not with this method.
        case methodNotAllowed = "method_not_allowed"
        case alreadyExists = "already_exists"
        case eventConflict = "event_conflict"
        /// The change clashes with the resource's current state (e.g. a program's time zone once it has events).
        case conflict
        /// A redemption costs more than the member's balance.
        case insufficientPoints = "insufficient_points"
        /// The reward has no unit left.
        case outOfStock = "out_of_stock"
        /// The reward may not be redeemed now (`active: false`).
        case rewardInactive = "reward_inactive"
        /// PostgreSQL refused a value of this submission that validation let through; nothing of it was stored.
        case notStorable = "not_storable"
        case payloadTooLarge = "payload_too_large"
        /// The body is declared as something other than JSON.
        case unsupportedMediaType = "unsupported_media_type"
        /// The key sent more requests than its rate allows; `Retry-After` says when to try again.
        case rateLimited = "rate_limited"
        case unavailable = "dependency_unavailable"
        case internalError = "internal_error"
    }

    public var code: Code
    public var message: String
    public var details: [FieldProblem]
    /// What went wrong inside, for the log only: never sent to the caller.
    public var internalDetail: String?
    /// Headers the answer carries (`Allow` for a method not allowed, `Retry-After` when rate limited).
    public var headers: [String: String]

    public init(_ code: Code, _ message: String, details: [FieldProblem] = [], internalDetail: String? = nil, headers: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.details = details
        self.internalDetail = internalDetail
        self.headers = headers
    }

    public static func validation(_ problems: [FieldProblem]) -> RallyError {
        let fields = problems.map(\.field).filter { !$0.isEmpty }
        let message = fields.isEmpty ? "the request is invalid" : "invalid fields: \(fields.joined(separator: ", "))"
        return RallyError(.validationFailed, message, details: problems)
    }
}
