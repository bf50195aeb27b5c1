import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// HR's rules over HTTP: versions, validation, roles, and events scored under the version in force when they occurred.
@Suite("Rules")
struct RulesTests {
    static let ruleset = """
        {
          "actions": {
            "post": {"points": 25},
            "share": {"points": 10, "networks": {"linkedin": 1.5}},
            "like": {"points": 1, "oncePerContent": true},
            "click": {"points": 2}
          },
          "caps": [{"action": "like", "per": "day", "maxCount": 3}],
          "campaigns": [{"id": "hiring", "name": "Share our job offers", "from": "2026-01-01T00:00:00+01:00",
                         "to": "2030-01-01T00:00:00+01:00", "tags": ["recruitment"], "actions": ["share"], "multiplier": 2}],
          "levels": [{"name": "Rookie", "minPoints": 0}, {"name": "Ambassador", "minPoints": 100}]
        }
        """

    /// Sets the rules (admin) and returns the answer, which must be 200.
    static func setRules(_ program: TestProgram, _ document: String = ruleset, sourceLocation: SourceLocation = #_sourceLocation) async throws -> RulesetDTO {
        let response = try await program.app.send(.put, "\(program.path)/rules", key: program.adminKey, body: document)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(RulesetDTO.self, from: response, sourceLocation: sourceLocation)
    }

    static func rules(_ program: TestProgram) async throws -> RulesetDTO {
        let response = try await program.app.send(.get, "\(program.path)/rules", key: program.readKey)
        try requireStatus(response, .ok)
        return try decode(RulesetDTO.self, from: response)
    }

    @Test func theDefaultsAreInForceUntilHRSetsRulesAndEachVersionIsListed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let defaults = try await Self.rules(program)
            #expect(defaults.version == 0)
            #expect(defaults.effectiveFrom == nil)
            #expect(defaults.actions == ["post": .init(points: 25), "share": .init(points: 10), "comment": .init(points: 5), "like": .init(points: 1)])

            let first = try await Self.setRules(program)
            #expect(first.version == 1)
            let effectiveFrom = try #require(first.effectiveFrom.flatMap(Timestamp.parse))
            #expect(abs(effectiveFrom.timeIntervalSinceNow) < 5)
            #expect(first.actions["share"] == .init(points: 10, networks: ["linkedin": 1.5]))
            #expect(first.caps == [.init(action: "like", per: "day", maxCount: 3, maxPoints: nil)])
            #expect(try await Self.rules(program) == first)

            // A version for tomorrow is listed, not in force yet.
            let tomorrow = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(86_400), offsetSeconds: 3600)
            let second = try await Self.setRules(program, #"{"effectiveFrom": "\#(tomorrow)", "version": 2, "actions": {"post": {"points": 40}}}"#)
            #expect(second.version == 2)
            #expect(second.effectiveFrom == tomorrow)
            #expect(try await Self.rules(program).version == 1)
            let versions = try decode(RulesetVersionsDTO.self, from: try await app.send(.get, "\(program.path)/rules/versions", key: program.readKey))
            #expect(versions.inForce == 1)
            #expect(versions.versions.map(\.version) == [2, 1, 0])
            #expect(versions.versions[1] == first)
        }
    }

    @Test func onlyAnAdminChangesRulesAndAnInvalidOrStaleDocumentChangesNothing() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            for key in [program.readKey, program.ingestKey] {
                try requireStatus(try await app.send(.put, "\(program.path)/rules", key: key, body: Self.ruleset), .forbidden)
            }
            let invalid = try await app.send(.put, "\(program.path)/rules", key: program.adminKey, body: """
                {"actions": {"post": {"points": -1}}, "caps": [{"action": "tweet", "per": "day", "maxCount": 1}], "effectiveFrom": "2020-01-01T00:00:00Z"}
                """)
            let error = try expectError(invalid, .unprocessableContent, code: "validation_failed")
            #expect(error.details.map(\.field) == ["actions.post.points", "caps[0].action"])
            let past = try await app.send(.put, "\(program.path)/rules", key: program.adminKey,
                                          body: #"{"actions": {"post": {"points": 1}}, "effectiveFrom": "2020-01-01T00:00:00Z"}"#)
            #expect(try expectError(past, .unprocessableContent, code: "validation_failed").details.map(\.field) == ["effectiveFrom"])
            let stale = try await app.send(.put, "\(program.path)/rules", key: program.adminKey, body: #"{"version": 7, "actions": {"post": {"points": 1}}}"#)
            #expect(try expectError(stale, .conflict, code: "conflict").details.map(\.field) == ["version"])
            try requireStatus(try await app.send(.put, "\(program.path)/rules", key: program.adminKey, body: "{"), .badRequest)
            #expect(try await Self.rules(program).version == 0)
        }
    }

    @Test func eventsAreScoredUnderTheVersionInForceWhenTheyOccurredWithCapsCampaignsAndOncePerContent() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(backfillDays: 30)
            try await program.addMembers(["ana", "ben"])
            let before = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-3600))
            let version = try await Self.setRules(program)
            // All at one instant after the version took effect: one local day whatever the hour.
            let at = Timestamp.rfc3339(try #require(version.effectiveFrom.flatMap(Timestamp.parse)).addingTimeInterval(1))
            func event(_ id: String, _ action: String, network: String? = nil, content: String? = nil, tags: [String]? = nil,
                       occurredAt: String? = nil, member: String = "ana") -> EventInput {
                EventInput(id: id, memberId: member, action: action, network: network, contentId: content, occurredAt: occurredAt ?? at, tags: tags)
            }

            let share = try await program.record(event("s1", "share", network: "linkedin"))
            #expect(share.points == 15)
            #expect(share.rulesVersion == 1)
            #expect(share.breakdown == [AwardLineDTO(rule: "actions.share", points: 10),
                                        AwardLineDTO(rule: "actions.share.networks.linkedin", points: 5, factor: 1.5)])
            let hiring = try await program.record(event("s2", "share", network: "linkedin", tags: ["recruitment"]))
            #expect(hiring.points == 30)
            #expect(hiring.breakdown.last == AwardLineDTO(rule: "campaigns.hiring", points: 15, factor: 2))
            #expect(try await program.record(event("c1", "click")).points == 2, "an action HR added")
            let unknown = try await program.postEvent(event("t1", "tweet"))
            #expect(try expectError(unknown, .unprocessableContent, code: "validation_failed").details.map(\.field) == ["action"])

            let likes = [("l1", "post-9"), ("l2", "post-9"), ("l3", "post-10"), ("l4", "post-11"), ("l5", "post-12")]
            var answers: [String] = []
            for (id, content) in likes {
                let result = try await program.record(event(id, "like", content: content))
                answers.append("\(result.status)=\(result.points)")
            }
            #expect(answers == ["awarded=1", "once_per_content=0", "awarded=1", "awarded=1", "capped=0"])

            // Backdated before the version: the defaults score it, and know nothing of clicks.
            let old = try await program.record(event("p0", "post", occurredAt: before))
            #expect(old.points == 25)
            #expect(old.rulesVersion == 0)
            let oldClick = try await program.record(event("c0", "click", occurredAt: before))
            #expect(oldClick.status == "not_scored")
            #expect(oldClick.points == 0)

            let profile = try await program.profile("ana")
            #expect(profile.points.lifetime == 15 + 30 + 2 + 3 + 25)
            #expect(profile.level == LevelDTO(name: "Rookie", minPoints: 0, next: .init(name: "Ambassador", minPoints: 100), pointsToNext: 25))
            let ledger = try await program.fullLedger("ana")
            #expect(ledger.first { $0.eventId == "s2" }?.rulesVersion == 1)
            #expect(ledger.first { $0.eventId == "s2" }?.breakdown.map(\.rule) == ["actions.share", "actions.share.networks.linkedin", "campaigns.hiring"])
            #expect(ledger.first { $0.eventId == "p0" }?.rulesVersion == 0)
            #expect(ledger.contains { $0.eventId == "l2" } == false, "an event that earned nothing has no ledger entry")
        }
    }

    @Test func tenConcurrentLikesAgainstACapOfThreeEarnExactlyThree() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let version = try await Self.setRules(program, #"{"actions": {"like": {"points": 1}}, "caps": [{"action": "like", "per": "day", "maxCount": 3}]}"#)
            let at = Timestamp.rfc3339(try #require(version.effectiveFrom.flatMap(Timestamp.parse)).addingTimeInterval(1))
            let statuses = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        let result = try await program.record(EventInput(id: "like-\(index)", memberId: "ana", action: "like", occurredAt: at))
                        return "\(result.status)=\(result.points)"
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted() == Array(repeating: "awarded=1", count: 3) + Array(repeating: "capped=0", count: 7))
            #expect(try await program.profile("ana").points.lifetime == 3)
            // The same in one batch: the cap holds inside a group commit too.
            try await program.addMembers(["ben"])
            let batch = try await program.recordBatch((0..<10).map { EventInput(id: "ben-like-\($0)", memberId: "ben", action: "like", occurredAt: at) })
            #expect(batch.map { "\($0.status ?? "?")=\($0.points ?? -1)" } == Array(repeating: "awarded=1", count: 3) + Array(repeating: "capped=0", count: 7))
        }
    }
}

struct RulesetDTO: Decodable, Equatable {
    struct Action: Decodable, Equatable {
        var points: Int
        var networks: [String: Double]?
        var oncePerContent: Bool?

        init(points: Int, networks: [String: Double]? = nil, oncePerContent: Bool? = nil) {
            self.points = points
            self.networks = networks
            self.oncePerContent = oncePerContent
        }
    }

    struct Cap: Decodable, Equatable {
        var action: String?
        var per: String
        var maxCount: Int?
        var maxPoints: Int?
    }

    var version: Int
    var effectiveFrom: String?
    var actions: [String: Action]
    var caps: [Cap]
}

struct RulesetVersionsDTO: Decodable, Equatable {
    var inForce: Int
    var versions: [RulesetDTO]
}

struct LevelDTO: Decodable, Equatable {
    struct Next: Decodable, Equatable {
        var name: String
        var minPoints: Int64
    }

    var name: String
    var minPoints: Int64
    var next: Next?
    var pointsToNext: Int64?
}

@Suite("Campaign boards")
struct CampaignBoardTests {
    @Test func eachCampaignRanksThePointsItsMultiplierGave() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben", "cid"])
            let version = try await RulesTests.setRules(program, """
                {"actions": {"post": {"points": 25}, "share": {"points": 10}},
                 "campaigns": [{"id": "hiring", "name": "Job offers", "from": "2026-01-01T00:00:00+01:00", "to": "2030-01-01T00:00:00+01:00",
                                "tags": ["recruitment"], "actions": ["share"], "multiplier": 2},
                               {"id": "launch", "name": "Launch", "from": "2026-01-01T00:00:00+01:00", "to": "2030-01-01T00:00:00+01:00",
                                "actions": ["post"], "multiplier": 3}]}
                """)
            let at = Timestamp.rfc3339(try #require(version.effectiveFrom.flatMap(Timestamp.parse)).addingTimeInterval(1))
            let events = [("a1", "ana", "share", true), ("a2", "ana", "post", false), ("b1", "ben", "share", true), ("b2", "ben", "share", true),
                          ("c1", "cid", "share", false), ("c2", "cid", "post", false)]
            for (id, member, action, tagged) in events {
                try await program.record(EventInput(id: id, memberId: member, action: action, occurredAt: at, tags: tagged ? ["recruitment"] : nil))
            }
            #expect(try await program.board(period: "all", campaign: "hiring").standings == [Standing(1, "ben", 40), Standing(2, "ana", 20)])
            #expect(try await program.board(period: "week", campaign: "hiring").standings == [Standing(1, "ben", 40), Standing(2, "ana", 20)])
            // Equal points: whoever reached them first.
            #expect(try await program.board(period: "all", campaign: "launch").standings == [Standing(1, "ana", 75), Standing(1, "cid", 75)])
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 95), Standing(2, "cid", 85), Standing(3, "ben", 40)])
            let around = try await app.send(.get, "\(program.path)/leaderboards/members/around/ana?period=all&campaign=hiring&radius=1", key: program.readKey)
            #expect(try decode(BoardDTO.self, from: around).standings == [Standing(1, "ben", 40), Standing(2, "ana", 20)])

            try expectError(try await program.boardResponse(period: "all", campaign: "nope"), .notFound, code: "not_found")
            try expectError(try await program.boardResponse(period: "all", team: "Sales", campaign: "hiring"), .unprocessableContent,
                            code: "validation_failed", fields: ["campaign"])

            // A retraction leaves the campaign's board too.
            try requireStatus(try await RetractionTests.retract(program, "b2"), .ok)
            #expect(try await program.board(period: "all", campaign: "hiring").standings == [Standing(1, "ana", 20), Standing(1, "ben", 20)])
        }
    }
}

@Suite("Rules simulation")
struct SimulationHTTPTests {
    @Test func aSimulationReplaysStoredEventsUnderProposedRulesAndChangesNothing() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            let now = Timestamp.now()
            for (id, member, action) in [("e1", "ana", "post"), ("e2", "ana", "post"), ("e3", "ben", "share"), ("e4", "ben", "share"), ("e5", "ben", "like")] {
                try await program.record(EventInput(id: id, memberId: member, action: action, occurredAt: Timestamp.rfc3339(now)))
            }
            try requireStatus(try await RetractionTests.retract(program, "e5"), .ok)
            let from = Timestamp.rfc3339(now.addingTimeInterval(-3600)), to = Timestamp.rfc3339(now.addingTimeInterval(3600))
            let body = #"{"rules": {"actions": {"post": {"points": 10}, "share": {"points": 30}}}, "from": "\#(from)", "to": "\#(to)"}"#
            let response = try await app.send(.post, "\(program.path)/rules/simulate", key: program.adminKey, body: body)
            try requireStatus(response, .ok)
            let result = try decode(SimulationDTO.self, from: response)
            #expect(result.events == 4, "the retracted like is left out")
            #expect(result.points == .init(before: 70, after: 80))
            #expect(result.actions == ["post": .init(events: 2, before: 50, after: 20), "share": .init(events: 2, before: 20, after: 60)])
            #expect(result.top.before.map { "\($0.rank) \($0.memberId) \($0.points)" } == ["1 ana 50", "2 ben 20"])
            #expect(result.top.after.map { "\($0.rank) \($0.memberId) \($0.points)" } == ["1 ben 60", "2 ana 20"])
            #expect(result.movers.map { "\($0.memberId) \($0.before.rank)→\($0.after.rank)" } == ["ana 1→2", "ben 2→1"])
            // Nothing changed.
            #expect(try await program.profile("ana").points.lifetime == 50)
            #expect(try await RulesTests.rules(program).version == 0)

            try requireStatus(try await app.send(.post, "\(program.path)/rules/simulate", key: program.readKey, body: body), .forbidden)
            let invalid = try await app.send(.post, "\(program.path)/rules/simulate", key: program.adminKey,
                                             body: #"{"rules": {"actions": {"post": {"points": -1}}}, "from": "2026-11-01", "extra": 1}"#)
            #expect(try expectError(invalid, .unprocessableContent, code: "validation_failed").details.map(\.field) == ["extra", "rules.actions.post.points", "to"])
        }
    }
}

struct SimulationDTO: Decodable, Equatable {
    struct Points: Decodable, Equatable {
        var before: Int64
        var after: Int64
    }

    struct Action: Decodable, Equatable {
        var events: Int
        var before: Int64
        var after: Int64
    }

    struct Entry: Decodable, Equatable {
        var rank: Int
        var memberId: String
        var points: Int64
    }

    struct Top: Decodable, Equatable {
        var before: [Entry]
        var after: [Entry]
    }

    struct Move: Decodable, Equatable {
        struct Side: Decodable, Equatable {
            var rank: Int
            var points: Int64
        }

        var memberId: String
        var before: Side
        var after: Side
    }

    var from: String
    var to: String
    var events: Int
    var points: Points
    var actions: [String: Action]
    var top: Top
    var movers: [Move]
}
