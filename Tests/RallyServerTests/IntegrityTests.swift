import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyCore
import RallyTestSupport
import Testing

/// A flag as answered (of its evidence, the count the counting rules give).
struct FlagDTO: Decodable, Equatable {
    struct Evidence: Decodable, Equatable {
        var count: Int?
    }

    var id: String
    var memberId: String
    var rule: String
    var eventIds: [String]
    var heldPoints: Int64
    var status: String
    var evidence: Evidence
}

struct FlagPageDTO: Decodable {
    var flags: [FlagDTO]
    var nextCursor: String?
}

/// Integrity rules against the real servers: each rule at its threshold and one beyond, held points off every total and
/// board until a flag is dismissed, confirmed flags retracting their events, the queue, the webhook and the counts.
@Suite("Integrity rules and flags")
struct IntegrityTests {
    static func setRules(_ program: TestProgram, _ rules: String) async throws {
        try requireStatus(try await program.app.send(.patch, program.path, key: program.adminKey, body: #"{"integrity": \#(rules)}"#), .ok)
    }

    static func flags(_ program: TestProgram, status: String? = nil) async throws -> [FlagDTO] {
        let response = try await program.app.send(.get, "\(program.path)/flags\(status.map { "?status=\($0)" } ?? "")", key: program.adminKey)
        try requireStatus(response, .ok)
        return try decode(FlagPageDTO.self, from: response).flags
    }

    static func review(_ program: TestProgram, _ id: String, _ verdict: String) async throws -> TestResponse {
        try await program.app.send(.post, "\(program.path)/flags/\(id)/\(verdict)", key: program.adminKey)
    }

    /// An event `seconds` after `start`.
    static func event(_ id: String, _ member: String, _ action: String, content: String? = nil, at seconds: Double, from start: Date) -> EventInput {
        EventInput(id: id, memberId: member, action: action, contentId: content, occurredAt: Timestamp.rfc3339(start.addingTimeInterval(seconds)))
    }

    @Test func aHeldBurstStaysOffEveryTotalUntilItsFlagIsDismissed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            try await Self.setRules(program, #"{"burstPerMinute": {"limit": 3, "hold": true}}"#)
            let start = Timestamp.now().addingTimeInterval(-600)
            // Ben: three posts within a minute, the limit: nothing flagged.
            for index in 0..<3 { #expect(try await program.record(Self.event("b\(index)", "ben", "post", at: Double(index), from: start)).status == "awarded") }
            // Ana: the fourth and fifth within the minute are held, with the points they were scored.
            var answers: [EventResultDTO] = []
            for index in 0..<5 { answers.append(try await program.record(Self.event("a\(index)", "ana", "post", at: Double(index * 10), from: start))) }
            #expect(answers.map(\.status) == ["awarded", "awarded", "awarded", "held", "held"])
            #expect(answers.map(\.points) == [25, 25, 25, 25, 25])
            #expect(answers.last?.member.points.lifetime == 75, "held points are not in the member's totals")
            #expect(try await RewardTests.points(program) == ["ana": 75, "ben": 75])
            #expect(try await program.profile("ana").points.lifetime == 75)

            let open = try await Self.flags(program, status: "open")
            #expect(open == [FlagDTO(id: open.first?.id ?? "", memberId: "ana", rule: "burstPerMinute", eventIds: ["a3", "a4"], heldPoints: 50,
                                     status: "open", evidence: .init(count: 5))])
            let flag = try #require(open.first)
            #expect(try await Self.flags(program, status: "dismissed").isEmpty)
            // A retry of a held event answers it held.
            let retry = try await program.postEvent(Self.event("a3", "ana", "post", at: 30, from: start))
            try requireStatus(retry, .ok)
            #expect(try decode(EventResultDTO.self, from: retry).status == "held")

            let dismissed = try await Self.review(program, flag.id, "dismiss")
            try requireStatus(dismissed, .ok)
            #expect(try decode(FlagDTO.self, from: dismissed).status == "dismissed")
            #expect(try await RewardTests.points(program) == ["ana": 125, "ben": 75], "released points reach the boards")
            #expect(try await program.profile("ana").points.lifetime == 125)
            #expect(try decode(EventResultDTO.self, from: try await program.postEvent(Self.event("a3", "ana", "post", at: 30, from: start))).status == "awarded")
            // The same verdict again changes nothing; the other is refused; an unknown flag is a 404.
            #expect(text(try await Self.review(program, flag.id, "dismiss")) == text(dismissed))
            try expectError(try await Self.review(program, flag.id, "confirm"), .conflict, code: "conflict", fields: ["status"])
            try expectError(try await Self.review(program, "999999", "dismiss"), .notFound, code: "not_found")
            #expect(try await program.profile("ana").points.lifetime == 125)
            // A new burst on the same day opens a new flag.
            _ = try await program.record(Self.event("a5", "ana", "post", at: 45, from: start))
            #expect(try await Self.flags(program, status: "open").map(\.eventIds) == [["a5"]])
        }
    }

    @Test func releasedPointsCompleteTheBadgesTheyEarn() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try requireStatus(try await app.send(.put, "\(program.path)/badges/fifty", key: program.adminKey,
                                                 body: #"{"name": "Fifty", "criteria": {"type": "points", "period": "all", "points": 50}}"#), .created)
            try await Self.setRules(program, #"{"burstPerMinute": {"limit": 1, "hold": true}}"#)
            let start = Timestamp.now().addingTimeInterval(-600)
            #expect(try await program.record(Self.event("p1", "ana", "post", at: 0, from: start)).status == "awarded")
            let held = try await program.record(Self.event("p2", "ana", "post", at: 30, from: start))
            #expect((held.status, held.badgesAwarded) == ("held", []), "held points complete no badge")
            #expect(try await program.profile("ana").badges.isEmpty)
            let flag = try #require(try await Self.flags(program).first)
            try requireStatus(try await Self.review(program, flag.id, "dismiss"), .ok)
            let profile = try await program.profile("ana")
            #expect(profile.points.lifetime == 50)
            #expect(profile.badges.map { "\($0.badgeId) \($0.eventId ?? "-")" } == ["fifty p2"], "the released event completes it")
        }
    }

    @Test func confirmingAFlagRetractsItsEventsAndAPairIsCountedBothWays() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben", "cleo"])
            try await Self.setRules(program, #"{"pairPerDay": {"limit": 2, "hold": false}}"#)
            let start = Timestamp.now().addingTimeInterval(-3600)
            _ = try await program.record(Self.event("pa", "ana", "post", content: "c-ana", at: 0, from: start))
            _ = try await program.record(Self.event("pb", "ben", "post", content: "c-ben", at: 1, from: start))
            // Two likes and comments between ana and ben (either way): at the limit.
            _ = try await program.record(Self.event("l1", "ben", "like", content: "c-ana", at: 60, from: start))
            _ = try await program.record(Self.event("l2", "ana", "comment", content: "c-ben", at: 120, from: start))
            _ = try await program.record(Self.event("l3", "cleo", "like", content: "c-ana", at: 130, from: start))
            #expect(try await Self.flags(program).isEmpty)
            // The third: flagged only, its points counted.
            let third = try await program.record(Self.event("l4", "ben", "comment", content: "c-ana", at: 180, from: start))
            #expect((third.status, third.points) == ("awarded", 5))
            #expect(try await RewardTests.points(program) == ["ana": 30, "ben": 31, "cleo": 1])
            let flag = try #require(try await Self.flags(program).first)
            #expect((flag.memberId, flag.rule, flag.eventIds, flag.heldPoints, flag.evidence.count) == ("ben", "pairPerDay", ["l4"], 0, 3))

            let confirmed = try decode(FlagDTO.self, from: try await Self.review(program, flag.id, "confirm"))
            #expect(confirmed.status == "confirmed")
            #expect(try await RewardTests.points(program) == ["ana": 30, "ben": 26, "cleo": 1], "the confirmed event's points are reversed")
            let again = try await program.app.send(.delete, "\(program.path)/events/l4", key: program.adminKey)
            try requireStatus(again, .ok)
            #expect(try decode(RetractionDTO.self, from: again).pointsReversed == 5, "retracted once, answered as retracted")
            let audit = try decode(AuditPageDTO.self, from: try await app.send(.get, "\(program.path)/audit", key: program.adminKey))
            #expect(audit.entries.filter { $0.target.hasPrefix("flags/") }.map { "\($0.action) \($0.target)" } == ["flag.confirmed flags/\(flag.id)"])
        }
    }

    @Test func repeatedContentAndSelfEngagementRaiseTheirFlagsAndTheWebhook() async throws {
        try await WebhookTests.withReceiver { inbox, url in
            try await TestApp.run(background: .milliseconds(100)) { app in
                let program = try await app.createProgram()
                try await program.addMembers(["ana", "ben"])
                try requireStatus(try await WebhookTests.putWebhook(program, url: url, events: ["member.flagged"]), .created)
                try await Self.setRules(program, #"{"repeatedContent": {"hold": true}, "selfEngagement": {}}"#)
                let start = Timestamp.now().addingTimeInterval(-3600)
                let results = try await program.recordBatch([
                    Self.event("p1", "ana", "post", content: "job-1", at: 0, from: start),
                    Self.event("p3", "ana", "post", content: "job-1", at: 2, from: start),  // again: held
                    Self.event("s1", "ana", "share", content: "job-1", at: 3, from: start),  // her own: flagged
                ])
                #expect(results.map(\.status) == ["awarded", "held", "awarded"])
                // Ben posting it too does not make it his (ana posted it first), nor is it a repeat of his.
                #expect(try await program.recordBatch([Self.event("p2", "ben", "post", content: "job-1", at: 1, from: start),
                                                       Self.event("s2", "ben", "share", content: "job-1", at: 4, from: start)]).map(\.status)
                    == ["awarded", "awarded"])
                let flags = try await Self.flags(program)
                #expect(flags.map { "\($0.memberId) \($0.rule) \($0.eventIds) \($0.heldPoints)" }
                    == [#"ana repeatedContent ["p3"] 25"#, #"ana selfEngagement ["s1"] 0"#])
                #expect(try await RewardTests.points(program) == ["ana": 35, "ben": 35])
                try await inbox.wait(for: 2)
                let seen = inbox.bodies.map { body -> String in
                    let data = body["data"] as? [String: Any] ?? [:]
                    return "\(body["type"] ?? "") \(data["memberId"] ?? "") \(data["rule"] ?? "") \(data["heldPoints"] ?? "")"
                }
                #expect(Set(seen) == ["member.flagged ana repeatedContent 25", "member.flagged ana selfEngagement 0"])
                let metrics = text(try await app.send(.get, "/metrics", key: nil)).split(separator: "\n")
                #expect(metrics.contains(#"rally_flags_raised_total{rule="repeatedContent"} 1"#), "\(metrics.filter { $0.contains("flags") })")
            }
        }
    }

    @Test func openFlagsAreCountedOnTheMetricsPage() async throws {
        let clock = ManualClock()
        try await TestApp.run(clock: clock, metricsRefresh: .seconds(60)) { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try await Self.setRules(program, #"{"selfEngagement": {}}"#)
            let start = Timestamp.now().addingTimeInterval(-600)
            _ = try await program.recordBatch([Self.event("p1", "ana", "post", content: "c1", at: 0, from: start),
                                               Self.event("l1", "ana", "like", content: "c1", at: 1, from: start)])
            let gauge = #"rally_flags_open{program="\#(program.id)",rule="selfEngagement"}"#
            func shown(_ value: String) async throws -> Bool {
                try await eventually(within: .seconds(10)) {
                    clock.advance(by: .seconds(60))
                    return text(try await app.send(.get, "/metrics", key: nil)).split(separator: "\n").contains { $0 == "\(gauge) \(value)" }
                }
            }
            #expect(try await shown("1.0"))
            let flag = try #require(try await Self.flags(program).first)
            try requireStatus(try await Self.review(program, flag.id, "dismiss"), .ok)
            #expect(try await shown("0.0"), "a program whose flags were all reviewed shows 0")
        }
    }

    @Test func rulesAreValidatedShownAndRemoved() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try expectError(try await app.send(.patch, program.path, key: program.adminKey,
                                               body: #"{"integrity": {"burstPerMinute": {"limit": 0}, "pairPerDay": {"hold": true}, "ring": {}}}"#),
                            .unprocessableContent, code: "validation_failed",
                            fields: ["integrity.ring", "integrity.burstPerMinute.limit", "integrity.pairPerDay.limit"])
            try await Self.setRules(program, #"{"burstPerMinute": {"limit": 20}}"#)
            let shown = try jsonObject(try await app.send(.get, program.path, key: program.adminKey))
            #expect(shown["integrity"] as? NSDictionary == ["burstPerMinute": ["limit": 20, "hold": false]] as NSDictionary)
            try await Self.setRules(program, "null")
            let removed = try jsonObject(try await app.send(.get, program.path, key: program.adminKey))["integrity"] as? [String: Any]
            #expect(removed?.isEmpty == true)
            try expectError(try await app.send(.get, "\(program.path)/flags", key: program.readKey), .forbidden, code: "forbidden")
            try expectError(try await app.send(.get, "\(program.path)/flags?status=maybe", key: program.adminKey), .unprocessableContent,
                            code: "validation_failed", fields: ["status"])
        }
    }

    /// Random streams under random rules, sent one event at a time, then random verdicts: every status, every flag and
    /// the board agree with the pure rules (`IntegrityRules.check`) replaying the same stream on the default points, and
    /// the stored data holds together.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomStreamsAgreeWithThePureRules(seed: UInt64) async throws {
        var random = SeededRandom(state: seed)
        func hold() -> Bool { random.int(0...1) == 1 }
        let rules = IntegrityRules([.burstPerMinute: .init(limit: 3, hold: hold()), .pairPerDay: .init(limit: 2, hold: hold()),
                                    .repeatedContent: .init(hold: hold()), .selfEngagement: .init(hold: hold())])
        let points = ["post": 25, "share": 10, "comment": 5, "like": 1]
        let members = ["ana", "ben", "cleo"], actions = ["post", "share", "comment", "like"]
        let calendar = try #require(PeriodCalendar(timeZoneIdentifier: "Europe/Paris"))
        let start = Timestamp.now().addingTimeInterval(-7200)
        var stream: [EventInput] = []
        for index in 0..<40 {
            let content = random.int(0...3) == 0 ? nil : "c\(random.int(0...3))"
            stream.append(Self.event("e\(index)", members[random.int(0...2)], actions[random.int(0...3)], content: content,
                                     at: Double(index * 8 + random.int(0...30)), from: start))
        }
        // The oracle: each event checked in order; held or counted; the flags by member, rule and subject.
        var history = IntegrityHistory()
        var held: Set<String> = [], flags: [String: (eventIds: [String], holds: Bool, heldPoints: Int)] = [:], order: [String] = []
        for input in stream {
            let event = Event(id: input.id, memberId: input.memberId, action: input.action, network: nil, contentId: input.contentId,
                              occurredAt: Timestamp.date(input.occurredAt ?? ""), tags: [])
            let found = rules.check(event, day: PeriodCalendar.dayKey(calendar.localDate(of: event.occurredAt)), history: &history).findings
            if found.contains(where: \.hold) { held.insert(event.id) }
            for finding in found {
                let key = "\(event.memberId) \(finding.rule.rawValue) \(finding.subject)"
                if flags[key] == nil { order.append(key) }
                flags[key, default: ([], false, 0)].eventIds.append(event.id)
                if finding.hold { flags[key]?.holds = true }
                flags[key]?.heldPoints += finding.hold && held.contains(event.id) ? points[event.action] ?? 0 : 0
            }
        }
        let events = stream, heldFirst = held, verdicts = (0..<60).map { _ in random.int(0...2) }
        let expectedFlags = Set(order.map { key in
            let parts = key.split(separator: " ")
            return "\(parts[0]) \(parts[1]) \(flags[key]?.eventIds ?? []) \(flags[key]?.heldPoints ?? 0)"
        })
        // Whether each flag holds, by its member, rule and events (what the queue answers).
        let holding = Dictionary(order.map { key in
            let parts = key.split(separator: " ")
            return ("\(parts[0]) \(parts[1]) \(flags[key]?.eventIds ?? [])", flags[key]?.holds ?? false)
        }) { a, _ in a }
        @Sendable func expectedBoard(held: Set<String>, retracted: Set<String>) -> [String: Int64] {
            var totals: [String: Int64] = [:]
            for input in events where !held.contains(input.id) && !retracted.contains(input.id) {
                totals[input.memberId, default: 0] += Int64(points[input.action] ?? 0)
            }
            return totals.filter { $0.value != 0 }
        }

        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(members)
            try requireStatus(try await app.send(.patch, program.path, key: program.adminKey,
                                                 body: #"{"integrity": \#(rules.document.text)}"#), .ok)
            var statuses: [String] = []
            for input in events { statuses.append(try await program.record(input).status) }
            #expect(statuses == events.map { heldFirst.contains($0.id) ? "held" : "awarded" })
            let stored = try await Self.flags(program)
            #expect(Set(stored.map { "\($0.memberId) \($0.rule) \($0.eventIds) \($0.heldPoints)" }) == expectedFlags)
            #expect(try await RewardTests.points(program) == expectedBoard(held: heldFirst, retracted: []))

            // Random verdicts, in the queue's order: a dismissal releases what is still held and held by no other open
            // flag that holds, a confirmation retracts what still stands (an event may be in two flags).
            var held = heldFirst, retracted: Set<String> = [], open = Set(stored.map(\.id))
            for (flag, verdict) in zip(stored, verdicts) {
                switch verdict {
                case 0:
                    try requireStatus(try await Self.review(program, flag.id, "dismiss"), .ok)
                    open.remove(flag.id)
                    let heldElsewhere = Set(stored.filter { open.contains($0.id) && holding["\($0.memberId) \($0.rule) \($0.eventIds)"] == true }
                        .flatMap(\.eventIds))
                    held.subtract(flag.eventIds.filter { !retracted.contains($0) && !heldElsewhere.contains($0) })
                case 1:
                    try requireStatus(try await Self.review(program, flag.id, "confirm"), .ok)
                    open.remove(flag.id)
                    retracted.formUnion(flag.eventIds)
                default:
                    break
                }
            }
            #expect(try await RewardTests.points(program) == expectedBoard(held: held, retracted: retracted))
            #expect(try await app.database.inconsistencies(program) == [])
            #expect(stored.count >= 2, "the stream breaks some rules")
            #expect(Set(stored.map(\.rule)).count >= 2, "of more than one kind")
        }
    }
}
