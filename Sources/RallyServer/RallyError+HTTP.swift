import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RallyCore

extension RallyError {
    /// The HTTP status each error code answers with.
    var status: HTTPResponse.Status {
        switch code {
        case .malformedJSON: .badRequest
        case .validationFailed, .unknownMember, .notStorable: .unprocessableContent
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .rateLimited: .tooManyRequests
        case .alreadyExists, .eventConflict, .conflict, .insufficientPoints, .outOfStock, .rewardInactive: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .unavailable: .serviceUnavailable
        case .internalError: .internalServerError
        }
    }

    /// The contract's error body: `{"error": {"code", "message", "details", "requestId"}}`.
    func body(requestId: String) -> ErrorBody {
        ErrorBody(error: .init(code: code.rawValue, message: message, details: details, requestId: requestId))
    }

    /// Any error as the API reports it.
    static func from(_ error: any Error) -> RallyError {
        switch error {
        case let rally as RallyError:
            return rally
        case is NIOTooManyBytesError:
            return RallyError(.payloadTooLarge, "the request body is larger than 2 MB")
        case let http as HTTPError:
            switch http.status {
            case .contentTooLarge: return RallyError(.payloadTooLarge, "the request body is larger than 2 MB")
            case .notFound: return RallyError(.notFound, http.body ?? "no such resource")
            case .methodNotAllowed: return RallyError(.notFound, "no such operation on this resource")
            case .badRequest: return RallyError(.malformedJSON, http.body ?? "bad request")
            case .unauthorized: return RallyError(.unauthorized, http.body ?? "missing or unknown key")
            default: return RallyError(.internalError, "an internal error occurred; the log holds the details under this request id",
                                       internalDetail: "\(http)")
            }
        default:
            // PostgreSQL's and Redis's failures, mapped here alone.
            return RallyError.storage(error)
        }
    }
}

/// The JSON shape of every error answer.
struct ErrorBody: JSONWritable {
    struct Detail: JSONWritable {
        var code: String
        var message: String
        var details: [FieldProblem]
        var requestId: String

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("code", code)
                json.field("message", message)
                json.field("details", details)
                json.field("requestId", requestId)
            }
        }
    }

    var error: Detail

    func write(to json: inout JSONWriter) {
        json.object { $0.field("error", error) }
    }
}

extension FieldProblem: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("field", field)
            json.field("problem", problem)
        }
    }
}
