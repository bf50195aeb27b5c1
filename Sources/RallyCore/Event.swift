import Foundation

/// Something an employee did on a social network, as an advocacy platform reports it.
public struct Event: Sendable, Equatable {
    public var id: String
    public var memberId: String
    public var action: String
    public var network: String?
    public var contentId: String?
    public var occurredAt: Date
    public var tags: [String]

    public init(id: String, memberId: String, action: String, network: String?, contentId: String?, occurredAt: Date, tags: [String]) {
        self.id = id
        self.memberId = memberId
        self.action = action
        self.network = network
        self.contentId = contentId
        self.occurredAt = occurredAt
        self.tags = tags
    }

    /// Whether a retry carries the same payload: the same fields, the same instant (whatever the offset written), the same tags in any order.
    public func hasSamePayload(as other: Event) -> Bool {
        id == other.id && memberId == other.memberId && action == other.action && network == other.network
            && contentId == other.contentId
            && abs(occurredAt.timeIntervalSince(other.occurredAt)) < 0.000_5
            && Set(tags) == Set(other.tags)
    }
}
