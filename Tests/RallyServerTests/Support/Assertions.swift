import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import RallyCore
import RallyServer
import Redis
import Testing

extension HTTPField.Name {
    static var requestId: Self { Self("X-Request-Id")! }
}

func text(_ response: TestResponse) -> String {
    response.body.getString(at: response.body.readerIndex, length: response.body.readableBytes) ?? "<not UTF-8>"
}

func decode<T: Decodable>(_ type: T.Type, from response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    do {
        return try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
    } catch {
        Issue.record("could not decode \(T.self) from \(response.status.code) \(text(response)): \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The body as a JSON object, to check which keys are present and which are explicitly null.
func jsonObject(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
    return try #require(object as? [String: Any], "not a JSON object: \(text(response))", sourceLocation: sourceLocation)
}

/// Records an issue (with the body) and throws when the status is not the expected one.
func requireStatus(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws {
    guard response.status == status else {
        Issue.record("expected \(status.code), got \(response.status.code): \(text(response))", sourceLocation: sourceLocation)
        throw TestFailure("unexpected status \(response.status.code)")
    }
}

/// Checks the contract's error shape: status, JSON content type, code, the fields at fault (in order), a message and the request id.
@discardableResult
func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, code: String, fields: [String]? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> ErrorDTO.Body {
    try requireStatus(response, status, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    let error = try decode(ErrorDTO.self, from: response, sourceLocation: sourceLocation).error
    #expect(error.code == code, "\(text(response))", sourceLocation: sourceLocation)
    if let fields {
        #expect(error.details.map(\.field) == fields, "\(text(response))", sourceLocation: sourceLocation)
    }
    #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    #expect(!error.requestId.isEmpty, sourceLocation: sourceLocation)
    #expect(response.headers[.requestId] == error.requestId, sourceLocation: sourceLocation)
    return error
}
