import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RallyTestSupport
import Testing

/// Badges and levels reach members: in the answer of the event that earns them, on the profile, retroactively for a
/// badge defined after the fact, and not again once an admin revoked them.
@Suite("Badge awards")
struct BadgeAwardTests {
    static func defineBadge(_ program: TestProgram, _ id: String, _ document: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await program.app.send(.put, "\(program.path)/badges/\(id)", key: program.adminKey, body: document)
        #expect([.created, .ok].contains(response.status), "\(text(response))", sourceLocation: sourceLocation)
    }

    static func metric(_ app: TestApp, _ name: String) async throws -> Double? {
        let lines = text(try await app.send(.get, "/metrics", key: nil)).split(separator: "\n")
        return lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test func anEventThatEarnsABadgeOrALevelAnswersWithIt() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            _ = try await RulesTests.setRules(program, """
                {"actions": {"post": {"points": 25}, "share": {"points": 10}},
                 "levels": [{"name": "Rookie", "minPoints": 0}, {"name": "Ambassador", "minPoints": 30}]}
                """)
            try await Self.defineBadge(program, "first-post", #"{"name": "First post", "criteria": {"type": "firstAction", "action": "post"}}"#)
            try await Self.defineBadge(program, "sharer", """
                {"name": "Sharer", "criteria": {"type": "actionCount", "action": "share", "period": "all"},
                 "tiers": [{"id": "bronze", "count": 2}, {"id": "silver", "count": 3}]}
                """)

            let firstPost = EventInput(id: "p1", memberId: "ana", action: "post"), firstShare = EventInput(id: "s1", memberId: "ana", action: "share")
            let post = try await program.record(firstPost)
            #expect(post.badgesAwarded.map { "\($0.badgeId) \($0.tier ?? "-") \($0.name)" } == ["first-post - First post"])
            #expect(post.levelReached == nil, "25 points: still a Rookie")
            let first = try #require(post.badgesAwarded.first)
            let awardedAt = try #require(Timestamp.parse(first.awardedAt))
            #expect(abs(awardedAt.timeIntervalSinceNow) < 60)

            let s1 = try await program.record(firstShare)
            #expect(s1.badgesAwarded.isEmpty)
            #expect(s1.levelReached == LevelDTO.Next(name: "Ambassador", minPoints: 30))
            let s2 = try await program.record(EventInput(id: "s2", memberId: "ana", action: "share"))
            #expect(s2.badgesAwarded.map { "\($0.badgeId) \($0.tier ?? "-")" } == ["sharer bronze"])
            #expect(s2.levelReached == nil)
            let s3 = try await program.record(EventInput(id: "s3", memberId: "ana", action: "share"))
            #expect(s3.badgesAwarded.map { "\($0.badgeId) \($0.tier ?? "-")" } == ["sharer silver"])
            #expect(try await program.record(EventInput(id: "s4", memberId: "ana", action: "share")).badgesAwarded.isEmpty, "every tier is held")

            // A retry answers as the first answer did, and gives nothing again.
            let retry = try await program.postEvent(firstPost)
            try requireStatus(retry, .ok)
            let again = try decode(EventResultDTO.self, from: retry)
            #expect(again.badgesAwarded == post.badgesAwarded)
            let levelRetry = try decode(EventResultDTO.self, from: try await program.postEvent(firstShare))
            #expect(levelRetry.levelReached == s1.levelReached)

            let profile = try await program.profile("ana")
            #expect(profile.badges.map { "\($0.badgeId) \($0.tier ?? "-") \($0.eventId ?? "-")" } == ["first-post - p1", "sharer bronze s2", "sharer silver s3"])
            #expect(profile.level?.name == "Ambassador")
            #expect(try await Self.metric(app, "rally_badges_awarded_total") == 3)
        }
    }

    @Test func aBadgeDefinedLaterIsAwardedOnceToWhoeverAlreadyMeetsIt() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben", "cid", "dan"])
            for (index, member) in ["ana", "ana", "ben", "cid", "cid", "cid", "dan", "dan"].enumerated() {
                try await program.record(EventInput(id: "h\(index)", memberId: member, action: "share"))
            }
            try requireStatus(try await program.putMember("dan", MemberInput(enrolled: false)), .ok)
            try await Self.defineBadge(program, "sharer", #"{"name": "Sharer", "criteria": {"type": "actionCount", "action": "share", "period": "all", "count": 2}}"#)
            // Events keep arriving while the badge is awarded in the background: ben's second share may be scored before or
            // after the pass reaches him; either way he holds the badge once.
            let sent = try await program.record(EventInput(id: "n1", memberId: "ben", action: "share"))
            for index in 0..<5 { try await program.record(EventInput(id: "n\(index + 2)", memberId: "cid", action: "like")) }

            var holders: [String] = []
            _ = try await eventually(within: .seconds(10)) {
                holders = []
                for member in ["ana", "ben", "cid", "dan"] where try await !program.profile(member).badges.isEmpty { holders.append(member) }
                return holders.count == 3
            }
            #expect(holders == ["ana", "ben", "cid"], "dan, who shared twice, is no longer enrolled")
            let ben = try await program.profile("ben").badges
            #expect(ben.count == 1)
            #expect(ben.first?.eventId == nil || ben.first?.eventId == "n1")
            #expect(sent.badgesAwarded.count == (ben.first?.eventId == "n1" ? 1 : 0), "the answer shows the award only when its event gave it")
            #expect(try await program.profile("ana").badges.first?.eventId == nil, "given retroactively")
            for member in ["ana", "cid"] { #expect(try await program.profile(member).badges.count == 1, "\(member) holds it once") }
        }
    }

    @Test func anAdminRevokesAnAwardAndLaterEventsDoNotGiveItAgain() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try await Self.defineBadge(program, "first-post", #"{"name": "First post", "criteria": {"type": "firstAction", "action": "post"}}"#)
            try await program.record(EventInput(id: "p1", memberId: "ana", action: "post"))
            try expectError(try await app.send(.delete, "\(program.path)/members/ana/badges/first-post", key: program.readKey), .forbidden, code: "forbidden")
            try expectError(try await app.send(.delete, "\(program.path)/members/ana/badges/first-post?tier=gold", key: program.adminKey),
                            .notFound, code: "not_found")
            try expectError(try await app.send(.delete, "\(program.path)/members/ana/badges/first-post?tier=a%20b", key: program.adminKey),
                            .unprocessableContent, code: "validation_failed", fields: ["tier"])
            // Values left empty count as absent: every tier and period of the badge.
            let revoked = try await app.send(.delete, "\(program.path)/members/ana/badges/first-post?tier=&period=", key: program.adminKey)
            try requireStatus(revoked, .ok)
            #expect(try jsonObject(revoked)["memberId"] as? String == "ana")
            #expect((try jsonObject(revoked)["revoked"] as? [[String: Any]])?.map { $0["eventId"] as? String } == ["p1"])
            #expect(try await program.profile("ana").badges.isEmpty)
            #expect(try await program.record(EventInput(id: "p2", memberId: "ana", action: "post")).badgesAwarded.isEmpty)
            try expectError(try await app.send(.delete, "\(program.path)/members/ana/badges/first-post", key: program.adminKey), .notFound, code: "not_found")
        }
    }

    @Test func aRetractedEventLeavesItsBadgeAndTheStreakShowsOnTheProfile() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try await Self.defineBadge(program, "three-days", #"{"name": "Three days", "criteria": {"type": "streak", "unit": "day", "length": 3}}"#)
            let zone = TimeZone(identifier: "Europe/Paris")!
            let now = Timestamp.now()
            let days = [2, 1, 0].map { now.addingTimeInterval(-Double($0) * 86_400) }
            var answers: [EventResultDTO] = []
            for (index, day) in days.enumerated() {
                answers.append(try await program.record(EventInput(id: "c\(index)", memberId: "ana", action: "comment", occurredAt: Timestamp.rfc3339(day))))
            }
            #expect(answers.map { $0.badgesAwarded.map(\.badgeId) } == [[], [], ["three-days"]])
            #expect(try await program.profile("ana").streaks == [StreakDTO(badgeId: "three-days", current: 3, best: 3, lastUnit: Timestamp.localDate(now, in: zone))])

            try requireStatus(try await RetractionTests.retract(program, "c1"), .ok)
            let profile = try await program.profile("ana")
            #expect(profile.badges.map(\.badgeId) == ["three-days"], "the badge stays")
            #expect(profile.streaks == [StreakDTO(badgeId: "three-days", current: 1, best: 1, lastUnit: Timestamp.localDate(now, in: zone))])
        }
    }
}
