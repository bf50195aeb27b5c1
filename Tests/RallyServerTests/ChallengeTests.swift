import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyCore
import RallyTestSupport
import Testing

struct ChallengeDTO: Decodable, Equatable {
    struct Contributor: Decodable, Equatable {
        var memberId: String?
        var displayName: String?
        var value: Int64
    }

    var id: String
    var name: String
    var target: Int64
    var progress: Int64
    var reached: Bool
    var reachedAt: String?
    var contributors: Int
    var top: [Contributor]
}

/// Collective challenges against the real servers: progress counted live from the events (scope, metric, window,
/// retractions), reached once with its badge and webhook, a reached challenge staying reached.
@Suite("Challenges")
struct ChallengeTests {
    static func put(_ program: TestProgram, _ id: String, _ body: String) async throws -> TestResponse {
        try await program.app.send(.put, "\(program.path)/challenges/\(id)", key: program.adminKey, body: body)
    }

    static func get(_ program: TestProgram, _ id: String) async throws -> ChallengeDTO {
        let response = try await program.app.send(.get, "\(program.path)/challenges/\(id)", key: program.readKey)
        try requireStatus(response, .ok)
        return try decode(ChallengeDTO.self, from: response)
    }

    /// The challenge once its count has caught up with what was just recorded (the count is kept a second).
    static func settled(_ program: TestProgram, _ id: String, _ condition: (ChallengeDTO) -> Bool) async throws -> ChallengeDTO {
        var last = try await get(program, id)
        _ = try await eventually(within: .seconds(10), poll: .milliseconds(100)) {
            last = try await get(program, id)
            return condition(last)
        }
        return last
    }

    @Test func aTeamChallengeCountsLiveIsReachedOnceAndStaysReached() async throws {
        try await WebhookTests.withReceiver { inbox, url in
            try await TestApp.run(background: .milliseconds(100)) { app in
                let program = try await app.createProgram()
                for (member, team) in [("ana", "Sales"), ("ben", "Sales"), ("cid", "Marketing")] {
                    try requireStatus(try await program.putMember(member, MemberInput(displayName: member.capitalized, team: team)), .created)
                }
                try requireStatus(try await program.putMember("dee", MemberInput(displayName: "Dee", team: "Sales", visibility: "anonymous")), .created)
                try requireStatus(try await WebhookTests.putWebhook(program, url: url, events: ["challenge.reached"]), .created)
                try requireStatus(try await app.send(.put, "\(program.path)/badges/sharers", key: program.adminKey,
                                                     body: #"{"name": "December sharers", "criteria": {"type": "challenge"}}"#), .created)
                let from = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-3600)), to = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(86_400))
                let created = try await Self.put(program, "dec", #"""
                    {"name": "Sales: 4 shares", "scope": {"team": "Sales"}, "metric": {"action": "share"}, "target": 4,
                     "from": "\#(from)", "to": "\#(to)", "badgeId": "sharers"}
                    """#)
                try requireStatus(created, .created)
                let empty = try decode(ChallengeDTO.self, from: created)
                #expect((empty.progress, empty.reached, empty.reachedAt, empty.contributors, empty.top) == (0, false, nil, 0, []))

                let base = Timestamp.now().addingTimeInterval(-600)
                func at(_ minutes: Double) -> String { Timestamp.rfc3339(base.addingTimeInterval(minutes * 60)) }
                for (id, member, action, minute) in [("s1", "ana", "share", 1.0), ("s2", "ana", "share", 2), ("s3", "cid", "share", 3),
                                                     ("s4", "ben", "like", 4), ("s5", "dee", "share", 5)] {
                    _ = try await program.record(EventInput(id: id, memberId: member, action: action, occurredAt: at(minute)))
                }
                // Out of the window: does not count.
                _ = try await program.record(EventInput(id: "old", memberId: "ben", action: "share", occurredAt: Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-7200))))
                let counting = try await Self.settled(program, "dec") { $0.progress == 3 }
                #expect(counting.contributors == 2 && !counting.reached)
                #expect(counting.top == [.init(memberId: "ana", displayName: "Ana", value: 2), .init(memberId: nil, displayName: nil, value: 1)])
                // Each member's profile shows the challenges under way that count them, with what they added.
                func challenges(_ member: String) async throws -> [String] {
                    let profile = try jsonObject(try await app.send(.get, "\(program.path)/members/\(member)", key: program.readKey))
                    return (profile["challenges"] as? [[String: Any]] ?? []).map { "\($0["id"] ?? "") \($0["value"] ?? "") \($0["progress"] ?? "")/\($0["target"] ?? "")" }
                }
                #expect(try await challenges("ana") == ["dec 2 3/4"])
                #expect(try await challenges("ben") == ["dec 0 3/4"])
                #expect(try await challenges("cid") == [], "Marketing is not counted")
                // The leaderboard page shows its viewer the challenges that count them; the widget does not.
                let board = text(try await PageTests.page(program, token: try await PageTests.token(program, memberId: "ana")))
                #expect(board.contains(#"<li data-challenge-id="dec"><strong>Sales: 4 shares</strong>"#) && board.contains("3 of 4 · yours: 2"))
                let cidBoard = text(try await PageTests.page(program, token: try await PageTests.token(program, memberId: "cid")))
                #expect(!cidBoard.contains("data-challenge-id"))

                _ = try await program.record(EventInput(id: "s6", memberId: "ben", action: "share", occurredAt: at(6)))
                let reached = try await Self.settled(program, "dec") { $0.reached }
                #expect(reached.progress == 4 && reached.contributors == 3)
                let instant = try #require(reached.reachedAt.flatMap(Timestamp.parse))
                #expect(abs(instant.timeIntervalSince(try #require(Timestamp.parse(at(6))))) < 0.001, "reached by the event that took it to 4")
                for member in ["ana", "ben", "dee"] { #expect(try await program.profile(member).badges.map(\.badgeId) == ["sharers"], "\(member)") }
                #expect(try await program.profile("cid").badges.isEmpty)
                let notice = try #require(try await inbox.wait(forType: "challenge.reached"))
                let data = try #require(notice["data"] as? [String: Any])
                #expect(data["challengeId"] as? String == "dec" && data["progress"] as? Int == 4 && data["contributors"] as? Int == 3)

                // A retraction lowers the progress; the challenge stays reached, at the same instant.
                try requireStatus(try await RetractionTests.retract(program, "s6"), .ok)
                let after = try await Self.settled(program, "dec") { $0.progress == 3 }
                #expect(after.reached && after.reachedAt == reached.reachedAt)
                try await Task.sleep(for: .milliseconds(800))  // several more background rounds: nothing is settled twice
                #expect(inbox.bodies.filter { $0["type"] as? String == "challenge.reached" }.count == 1)
                #expect(try await program.profile("ana").badges.count == 1)
            }
        }
    }

    @Test func aPointsChallengeOfARegionAndTheListing() async throws {
        try await TestApp.run(background: .milliseconds(100)) { app in
            let program = try await app.createProgram()
            try requireStatus(try await program.putMember("ana", MemberInput(region: "Lyon")), .created)
            try requireStatus(try await program.putMember("ben", MemberInput(region: "Paris")), .created)
            let from = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-3600)), to = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(3600))
            try requireStatus(try await Self.put(program, "lyon", #"{"name": "Lyon: 1000 points", "scope": {"region": "Lyon"}, "metric": {"points": true}, "target": 1000, "from": "\#(from)", "to": "\#(to)"}"#), .created)
            try requireStatus(try await Self.put(program, "all", #"{"name": "Everyone", "metric": {"points": true}, "target": 30, "from": "\#(from)", "to": "\#(to)"}"#), .created)
            _ = try await program.record(EventInput(id: "p1", memberId: "ana", action: "post"))
            _ = try await program.record(EventInput(id: "p2", memberId: "ben", action: "share"))
            let lyon = try await Self.settled(program, "lyon") { $0.progress == 25 }
            #expect(lyon.top.map(\.value) == [25] && !lyon.reached)
            let all = try await Self.settled(program, "all") { $0.reached }
            #expect(all.progress == 35 && all.contributors == 2)
            #expect(all.top == [.init(memberId: "ana", displayName: nil, value: 25), .init(memberId: "ben", displayName: nil, value: 10)])
            let listed = try jsonObject(try await app.send(.get, "\(program.path)/challenges", key: program.readKey))
            #expect((listed["challenges"] as? [[String: Any]])?.map { $0["id"] as? String } == ["all", "lyon"])
            // The member's page shows the challenges under way that count them: Lyon's to ana only, everyone's to both.
            let token = try await PageTests.token(program, memberId: "ana", lang: "fr")
            let ana = text(try await PageTests.page(program, "/p/\(program.id)/members/ana", token: token))
            #expect(ana.contains(#"<li data-challenge-id="all"><strong>Everyone</strong>"#) && ana.contains("relevé : 35 sur 30") && ana.contains("votre part : 25"))
            #expect(ana.contains(#"<li data-challenge-id="lyon"><strong>Lyon: 1000 points</strong>"#))
            let ben = text(try await PageTests.page(program, "/p/\(program.id)/members/ben", token: token))
            #expect(ben.contains(#"data-challenge-id="all""#) && !ben.contains(#"data-challenge-id="lyon""#))
            // Replacing a reached challenge keeps it reached.
            try requireStatus(try await Self.put(program, "all", #"{"name": "Everyone, more", "metric": {"points": true}, "target": 3000, "from": "\#(from)", "to": "\#(to)"}"#), .ok)
            #expect(try await Self.get(program, "all").reached)
        }
    }

    @Test func badChallengesNameEachProblem() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try requireStatus(try await app.send(.put, "\(program.path)/badges/first", key: program.adminKey,
                                                 body: #"{"name": "First", "criteria": {"type": "firstAction", "action": "post"}}"#), .created)
            let refused = try await Self.put(program, "x", #"""
                {"name": "", "scope": {"team": "A", "region": "B"}, "metric": {"action": "dance"}, "target": 0,
                 "from": "2026-12-31T00:00:00Z", "to": "2026-12-01T00:00:00Z", "badgeId": "first", "extra": 1}
                """#)
            try expectError(refused, .unprocessableContent, code: "validation_failed",
                            fields: ["extra", "name", "scope", "metric.action", "target", "to", "badgeId"])
            try expectError(try await Self.put(program, "x", #"{"name": "N", "metric": {"points": false}, "target": 1, "from": "2026-12-01T00:00:00", "to": "2026-12-02T00:00:00Z"}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["metric.points", "from"])
            try expectError(try await app.send(.get, "\(program.path)/challenges/nothing", key: program.readKey), .notFound, code: "not_found")
            try expectError(try await app.send(.put, "\(program.path)/challenges/x", key: program.ingestKey, body: "{}"), .forbidden, code: "forbidden")
        }
    }
}
