import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// HR defines badges: created, replaced, listed and deleted; invalid documents refused with every problem named.
@Suite("Badge definitions")
struct BadgeDefinitionTests {
    @Test func anAdminDefinesBadgesThatReadersList() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let sharer = """
                {"name": "Sharer", "description": "10 shares", "criteria": {"type": "actionCount", "action": "share", "count": 10, "period": "all"},
                 "tiers": [{"id": "bronze", "count": 10}, {"id": "silver", "count": 50}]}
                """
            let created = try await app.send(.put, "\(program.path)/badges/sharer", key: program.adminKey, body: sharer)
            try requireStatus(created, .created)
            #expect(try decode(BadgeDefinitionDTO.self, from: created) == BadgeDefinitionDTO(
                badgeId: "sharer", name: "Sharer", description: "10 shares",
                criteria: .init(type: "actionCount", action: "share", period: "all"), tiers: [.init(id: "bronze", count: 10), .init(id: "silver", count: 50)]))
            let first = #"{"name": "First post", "criteria": {"type": "firstAction", "action": "post"}}"#
            try requireStatus(try await app.send(.put, "\(program.path)/badges/first-post", key: program.adminKey, body: first), .created)
            try requireStatus(try await app.send(.put, "\(program.path)/badges/first-post", key: program.adminKey, body: first), .ok)

            let listed = try decode(BadgeDefinitionListDTO.self, from: try await app.send(.get, "\(program.path)/badges", key: program.readKey))
            #expect(listed.badges.map(\.badgeId) == ["first-post", "sharer"])

            try requireStatus(try await app.send(.delete, "\(program.path)/badges/first-post", key: program.adminKey), .noContent)
            try expectError(try await app.send(.delete, "\(program.path)/badges/first-post", key: program.adminKey), .notFound, code: "not_found")
            let after = try decode(BadgeDefinitionListDTO.self, from: try await app.send(.get, "\(program.path)/badges", key: program.readKey))
            #expect(after.badges.map(\.badgeId) == ["sharer"])

            try expectError(try await app.send(.put, "\(program.path)/badges/x", key: program.readKey, body: first), .forbidden, code: "forbidden")
            let invalid = try await app.send(.put, "\(program.path)/badges/x", key: program.adminKey,
                                             body: #"{"name": "X", "criteria": {"type": "actionCount", "action": "tweet", "period": "all", "count": 0}}"#)
            #expect(try expectError(invalid, .unprocessableContent, code: "validation_failed").details.map(\.field) == ["criteria.action", "criteria.count"])
            // An action HR added in a version of the rules may be counted.
            _ = try await RulesTests.setRules(program, #"{"actions": {"click": {"points": 2}}}"#)
            try requireStatus(try await app.send(.put, "\(program.path)/badges/clicker", key: program.adminKey,
                                                 body: #"{"name": "Clicker", "criteria": {"type": "actionCount", "action": "click", "period": "week", "count": 5}}"#),
                              .created)
        }
    }
}

struct BadgeDefinitionDTO: Decodable, Equatable {
    struct Criteria: Decodable, Equatable {
        var type: String
        var action: String?
        var period: String?
    }

    struct Tier: Decodable, Equatable {
        var id: String
        var count: Int?
    }

    var badgeId: String
    var name: String
    var description: String?
    var criteria: Criteria
    var tiers: [Tier]?
}

struct BadgeDefinitionListDTO: Decodable, Equatable {
    var badges: [BadgeDefinitionDTO]
}
