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

struct ProgramInput: Encodable, Sendable {
    var id: String
    var name: String
    var timezone: String
}

struct KeyInput: Encodable, Sendable {
    var role: String
    var label: String?
    var rateLimit: Int?
}

struct MemberInput: Encodable, Sendable {
    var displayName: String?
    var team: String?
    var region: String?
    var enrolled: Bool?
    var audience: [String: Int]?
    var visibility: String?
}

struct EventInput: Encodable, Sendable, Equatable {
    var id: String
    var memberId: String
    var action: String
    var network: String?
    var contentId: String?
    var occurredAt: String?
    var tags: [String]?

    init(id: String, memberId: String, action: String, network: String? = nil, contentId: String? = nil,
         occurredAt: String? = Timestamp.rfc3339(Timestamp.now()), tags: [String]? = nil) {
        self.id = id
        self.memberId = memberId
        self.action = action
        self.network = network
        self.contentId = contentId
        self.occurredAt = occurredAt
        self.tags = tags
    }
}

struct BatchInput: Encodable, Sendable {
    var events: [EventInput]
}

func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
