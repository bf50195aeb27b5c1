import Foundation
import Testing
@testable import RallyCore

/// The integrity rules, pure: each at its threshold and one below, and the documents HR writes.
@Suite struct IntegrityRulesTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    static func event(_ id: String, _ member: String, _ action: String, content: String? = nil, at seconds: Double = 0) -> Event {
        Event(id: id, memberId: member, action: action, network: nil, contentId: content, occurredAt: start.addingTimeInterval(seconds), tags: [])
    }

    /// The rules found for each event of a stream, checked in order on one history.
    static func findings(_ rules: IntegrityRules, _ events: [Event], history: IntegrityHistory = IntegrityHistory()) -> [[IntegrityRule]] {
        var history = history
        return events.map { rules.check($0, day: "2026-12-01", history: &history).findings.map(\.rule) }
    }

    @Test func aBurstIsOneEventMoreThanTheLimitWithinAMinute() {
        let rules = IntegrityRules([.burstPerMinute: .init(limit: 3, hold: true)])
        // Three within 59 seconds: at the limit. The fourth at 59.9 s makes four within a minute.
        let stream = [0, 20, 59, 59.9].enumerated().map { Self.event("e\($0.offset)", "ana", "like", at: $0.element) }
        #expect(Self.findings(rules, stream) == [[], [], [], [.burstPerMinute]])
        // Exactly a minute apart is two minutes: 0, 20, 59 and 60 never hold four within one.
        let spread = [0, 20, 59, 60].enumerated().map { Self.event("e\($0.offset)", "ana", "like", at: $0.element) }
        #expect(Self.findings(rules, spread) == [[], [], [], []])
        // Another member's events are theirs.
        let two = [0, 1, 2, 3].map { Self.event("e\($0)", $0 % 2 == 0 ? "ana" : "ben", "like", at: Double($0)) }
        #expect(Self.findings(rules, two) == [[], [], [], []])
    }

    @Test func aBurstCountsRecordedEventsAndOneArrivingLateInTheMiddle() {
        let rules = IntegrityRules([.burstPerMinute: .init(limit: 2, hold: false)])
        let recorded = IntegrityHistory(times: ["ana": [Self.start, Self.start.addingTimeInterval(50)]])
        #expect(Self.findings(rules, [Self.event("late", "ana", "post", at: 25)], history: recorded) == [[.burstPerMinute]])
        #expect(Self.findings(rules, [Self.event("later", "ana", "post", at: 110)], history: recorded) == [[]], "50 s and 110 s are a minute apart")
        var history = recorded
        let found = rules.check(Self.event("late", "ana", "post", at: 25), day: "2026-12-01", history: &history).findings
        #expect(found.first?.evidence == .object(["summary": .string("3 events within a minute, more than the limit of 2"), "limit": .integer(2),
                                                   "count": .integer(3), "from": .string("2026-11-30T00:53:20Z"),
                                                   "to": .string("2026-11-30T00:54:10Z")]))
        #expect(found.first?.subject == "2026-12-01")
    }

    @Test func aPairCountsLikesAndCommentsBothWaysOnOneDay() {
        let rules = IntegrityRules([.pairPerDay: .init(limit: 3, hold: true)])
        let stream = [
            Self.event("p1", "ana", "post", content: "c1"), Self.event("p2", "ben", "post", content: "c2"),
            Self.event("l1", "ben", "like", content: "c1"), Self.event("l2", "ana", "comment", content: "c2"),
            Self.event("s1", "ben", "share", content: "c1"), // not a like or a comment
            Self.event("l3", "ben", "comment", content: "c1"), // the third between them: at the limit
            Self.event("x1", "cleo", "like", content: "c1"), // another pair
            Self.event("l4", "ana", "like", content: "c2"), // the fourth: one more than the limit
        ]
        #expect(Self.findings(rules, stream) == [[], [], [], [], [], [], [], [.pairPerDay]])
        var history = IntegrityHistory()
        let found = stream.flatMap { rules.check($0, day: "2026-12-01", history: &history).findings }
        #expect(found.map(\.subject) == ["2026-12-01/ben"])
        #expect(history.pairs == [MemberPair(day: "2026-12-01", "ana", "ben"): 4, MemberPair(day: "2026-12-01", "ana", "cleo"): 1])
        // Content nobody posted has no owner: nothing to count.
        #expect(Self.findings(rules, [Self.event("l", "ben", "like", content: "unknown")]) == [[]])
    }

    @Test func repeatedContentAndSelfEngagement() {
        let rules = IntegrityRules([.repeatedContent: .init(hold: false), .selfEngagement: .init(hold: true)])
        let stream = [
            Self.event("p1", "ana", "post", content: "c1"), Self.event("p2", "ben", "post", content: "c1"), // another poster: not a repeat
            Self.event("l1", "ben", "like", content: "c1"), // c1 is ana's (the first poster)
            Self.event("l2", "ana", "like", content: "c1"), Self.event("p3", "ana", "post", content: "c1"),
            Self.event("p4", "ana", "post"), Self.event("p5", "ana", "post"), // no content: nothing to repeat
        ]
        #expect(Self.findings(rules, stream) == [[], [], [], [.selfEngagement], [.repeatedContent], [], []])
        var history = IntegrityHistory()
        let found = stream.flatMap { rules.check($0, day: "2026-12-01", history: &history).findings }
        #expect(found.map(\.hold) == [true, false])
        #expect(found.last?.evidence == .object(["summary": .string("content 'c1' posted again"), "contentId": .string("c1"),
                                                  "firstEventId": .string("p1")]))
    }

    @Test func rulesAreOffUnlessSet() {
        let stream = (0..<30).map { Self.event("e\($0)", "ana", $0 % 2 == 0 ? "post" : "like", content: "c", at: Double($0)) }
        let found = Self.findings(IntegrityRules(), stream)
        #expect(found.allSatisfy { $0.isEmpty })
    }

    @Test func documentsRoundTripAndNameEachProblem() throws {
        let document = try #require(JSONValue(text: #"{"burstPerMinute": {"limit": 20, "hold": false}, "pairPerDay": {"limit": 10, "hold": true}, "repeatedContent": {}}"#))
        let rules = try IntegrityRules.parse(document, at: "integrity").get()
        #expect(rules == IntegrityRules([.burstPerMinute: .init(limit: 20, hold: false), .pairPerDay: .init(limit: 10, hold: true),
                                         .repeatedContent: .init(hold: false)]))
        #expect(try IntegrityRules.parse(rules.document, at: "integrity").get() == rules)
        let bad = try #require(JSONValue(text: #"{"burstPerMinute": {"hold": true}, "pairPerDay": {"limit": 0}, "selfEngagement": {"limit": 3}, "x": {}}"#))
        guard case let .failure(failure) = IntegrityRules.parse(bad, at: "integrity") else { Issue.record("accepted"); return }
        #expect(failure.problems.map(\.field) == ["integrity.x", "integrity.burstPerMinute.limit", "integrity.pairPerDay.limit", "integrity.selfEngagement.limit"])
    }
}
