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

struct ProgramDTO: Decodable, Equatable {
    var id: String
    var name: String
    var timezone: String
    var createdAt: String
    var backfillDays: Int
    var clockSkewMinutes: Int
    var adminKey: String?
}

struct KeyDTO: Decodable, Equatable {
    var id: String
    var role: String
    var label: String?
    var rateLimit: Int?
    var key: String?
    var createdAt: String?
    var lastUsedAt: String?
    var revokedAt: String?
}

struct KeyListDTO: Decodable, Equatable {
    var keys: [KeyDTO]
}

struct ErrorDTO: Decodable, Equatable {
    struct Body: Decodable, Equatable {
        var code: String
        var message: String
        var details: [Detail]
        var requestId: String
    }

    struct Detail: Decodable, Equatable {
        var field: String
        var problem: String
    }

    var error: Body
}

struct PointsDTO: Decodable, Equatable {
    var lifetime: Int64
    var week: Int64
    var month: Int64
    /// A profile's only.
    var balance: Int64? = nil
}

struct RanksDTO: Decodable, Equatable {
    var week: Int?
    var month: Int?
    var all: Int?
}

struct AwardLineDTO: Decodable, Equatable {
    var rule: String
    var points: Int
    var factor: Double?

    init(rule: String, points: Int, factor: Double? = nil) {
        self.rule = rule
        self.points = points
        self.factor = factor
    }
}

struct MemberStandingDTO: Decodable, Equatable {
    var points: PointsDTO
    var ranks: RanksDTO
}

struct EventResultDTO: Decodable, Equatable {
    var eventId: String
    var outcome: String
    var status: String
    var points: Int
    var breakdown: [AwardLineDTO]
    var rulesVersion: Int
    var badgesAwarded: [AwardedBadgeDTO]
    var levelReached: LevelDTO.Next? = nil
    var member: MemberStandingDTO
}

/// A badge in an event's answer.
struct AwardedBadgeDTO: Decodable, Equatable {
    var badgeId: String
    var tier: String?
    var name: String
    var awardedAt: String
}

/// One line of a batch answer: an event result, or `{"eventId", "error"}`.
struct BatchItemDTO: Decodable, Equatable {
    var eventId: String?
    var outcome: String?
    var status: String?
    var points: Int?
    var breakdown: [AwardLineDTO]?
    var badgesAwarded: [AwardedBadgeDTO]?
    var member: MemberStandingDTO?
    var error: ErrorDTO.Body?
}

struct BatchDTO: Decodable, Equatable {
    var results: [BatchItemDTO]
}

/// A badge on a profile.
struct BadgeDTO: Decodable, Equatable {
    var badgeId: String
    var tier: String?
    var name: String
    var awardedAt: String
    var eventId: String?
    var period: String?
}

struct StreakDTO: Decodable, Equatable {
    var badgeId: String
    var current: Int
    var best: Int
    var lastUnit: String?
}

struct ProfileDTO: Decodable, Equatable {
    var memberId: String
    var displayName: String?
    var team: String?
    var region: String?
    var enrolled: Bool
    var visibility: String
    var audience: [String: Int]
    var points: PointsDTO
    var level: LevelDTO?
    var badges: [BadgeDTO]
    var streaks: [StreakDTO]
    var ranks: RanksDTO
}

struct LedgerEntryDTO: Decodable, Equatable {
    var id: String
    var eventId: String
    var action: String
    var points: Int
    var reason: String
    var rulesVersion: Int
    var breakdown: [AwardLineDTO]
    var occurredAt: String
    var recordedAt: String
}

struct LedgerDTO: Decodable, Equatable {
    var entries: [LedgerEntryDTO]
    var nextCursor: String?
}

struct PeriodDTO: Decodable, Equatable {
    var kind: String
    var key: String
    var start: String?
    var end: String?
}

struct BoardEntryDTO: Decodable, Equatable, CustomStringConvertible {
    var rank: Int
    var memberId: String?
    var displayName: String?
    var team: String?
    var points: Int64

    var description: String { "#\(rank) \(memberId ?? "nil") \(points)" }
}

struct BoardDTO: Decodable, Equatable {
    var period: PeriodDTO
    var total: Int
    var offset: Int
    var limit: Int
    var entries: [BoardEntryDTO]

    /// (rank, memberId, points) of each entry, for compact exact comparisons.
    var standings: [Standing] { entries.map { Standing($0.rank, $0.memberId, $0.points) } }
}

struct Standing: Equatable, CustomStringConvertible {
    var rank: Int
    var memberId: String?
    var points: Int64

    init(_ rank: Int, _ memberId: String?, _ points: Int64) {
        self.rank = rank
        self.memberId = memberId
        self.points = points
    }

    var description: String { "(\(rank), \(memberId ?? "nil"), \(points))" }
}

struct StatusDTO: Decodable, Equatable {
    var status: String
    var postgres: String?
    var redis: String?
    var leaderboards: String?
    var projection: String?
    var projectionLagSeconds: Int?
}
