import Foundation
import Testing
@testable import RallyCore

@Suite struct EventDraftTests {
    let now = utc(2026, 11, 20, 12)

    func draft(id: String? = "evt-1", memberId: String? = "member@example.com", action: String? = "share",
               network: String? = "linkedin", contentId: String? = "https://www.linkedin.com/feed/update/urn:li:share:7123",
               occurredAt: String? = "2026-11-20T09:14:00+01:00", tags: [String]? = ["launch", "q4"]) -> EventDraft {
        EventDraft(id: id, memberId: memberId, action: action, network: network, contentId: contentId, occurredAt: occurredAt, tags: tags)
    }

    func problems(_ draft: EventDraft) -> [FieldProblem] {
        switch draft.validated(against: .defaults, now: now) {
        case .success: return []
        case .failure(let failure): return failure.problems
        }
    }

    @Test func validDraftBecomesAnEventWithItsFields() throws {
        let event = try draft().validated(against: .defaults, now: now).get()
        #expect(event == Event(id: "evt-1", memberId: "member@example.com", action: "share", network: "linkedin",
                               contentId: "https://www.linkedin.com/feed/update/urn:li:share:7123",
                               occurredAt: utc(2026, 11, 20, 8, 14), tags: ["launch", "q4"]))
    }

    @Test func optionalFieldsMayBeAbsent() throws {
        let event = try draft(network: nil, contentId: nil, tags: nil).validated(against: .defaults, now: now).get()
        #expect(event.network == nil)
        #expect(event.contentId == nil)
        #expect(event.tags == [])
    }

    @Test func everyMissingRequiredFieldIsNamed() {
        let empty = EventDraft(id: nil, memberId: nil, action: nil, network: nil, contentId: nil, occurredAt: nil, tags: nil)
        #expect(problems(empty) == [
            FieldProblem(field: "id", problem: "is required"),
            FieldProblem(field: "memberId", problem: "is required"),
            FieldProblem(field: "action", problem: "is required"),
            FieldProblem(field: "occurredAt", problem: "is required"),
        ])
    }

    @Test(arguments: ["", "has space", "evt/1", "évt", String(repeating: "e", count: 129)])
    func badIdsAreRejected(value: String) {
        let idProblems = problems(draft(id: value))
        #expect(idProblems == [FieldProblem(field: "id", problem: "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -")])
        #expect(problems(draft(memberId: value)).map(\.field) == ["memberId"])
    }

    @Test func idOf128CharactersIsAccepted() {
        #expect(problems(draft(id: String(repeating: "e", count: 128), memberId: String(repeating: "m", count: 128))) == [])
    }

    @Test func unknownActionNamesTheFieldAction() {
        #expect(problems(draft(action: "tweet")) == [
            FieldProblem(field: "action", problem: "unknown action 'tweet'; this program scores: comment, like, post, share"),
        ])
        #expect(problems(draft(action: "")).map(\.field) == ["action"])
        #expect(problems(draft(action: "Share")).map(\.field) == ["action"])
    }

    @Test func anActionIsKnownWhenAnyVersionOfTheRulesScoresIt() throws {
        let rules = RulesetHistory([Ruleset(version: 2, effectiveFrom: now.addingTimeInterval(86_400), actions: ["tweet": ActionRule(points: 3)])])
        #expect(try draft(action: "tweet").validated(against: rules, now: now).get().action == "tweet", "a version to come knows it")
        #expect(try draft(action: "share").validated(against: rules, now: now).get().action == "share", "the defaults know it")
        guard case .failure(let failure) = draft(action: "retweet").validated(against: rules, now: now) else {
            Issue.record("retweet should be unknown to every version")
            return
        }
        #expect(failure.problems == [FieldProblem(field: "action", problem: "unknown action 'retweet'; this program scores: comment, like, post, share, tweet")])
    }

    @Test func occurredAtUpToAnHourAheadIsAccepted() throws {
        let event = try draft(occurredAt: "2026-11-20T12:59:00Z").validated(against: .defaults, now: now).get()
        #expect(event.occurredAt == utc(2026, 11, 20, 12, 59))
        #expect(problems(draft(occurredAt: "2026-11-20T14:00:00+01:00")) == []) // exactly one hour ahead
    }

    @Test func occurredAtMoreThanAnHourAheadIsRejected() {
        let expected = [FieldProblem(field: "occurredAt", problem: "is more than 60 minutes ahead of Rally's clock")]
        #expect(problems(draft(occurredAt: "2026-11-20T13:00:01Z")) == expected)
        #expect(problems(draft(occurredAt: "2026-11-20T13:00:00.001Z")) == expected)
        #expect(problems(draft(occurredAt: "2026-11-21T00:00:00Z")) == expected)
        #expect(problems(draft(occurredAt: "9999-12-31T23:59:59Z")) == expected)
    }

    @Test func occurredAtWithinTheBackfillWindowIsAccepted() {
        // 366 days before 2026-11-20T12:00Z is 2025-11-19T12:00Z.
        #expect(problems(draft(occurredAt: "2025-11-19T12:00:00Z")) == [])
        #expect(problems(draft(occurredAt: "2026-01-01T00:00:00+14:00")) == [])
    }

    @Test func occurredAtBeforeTheBackfillWindowIsRejected() {
        let expected = [FieldProblem(field: "occurredAt", problem: "is older than this program's backfill window of 366 days")]
        #expect(problems(draft(occurredAt: "2025-11-19T11:59:59Z")) == expected)
        #expect(problems(draft(occurredAt: "2001-01-01T00:00:00Z")) == expected)
        #expect(problems(draft(occurredAt: "0001-01-01T00:00:00Z")) == expected)
    }

    @Test func theWindowFollowsTheProgramSettings() throws {
        let settings = ProgramSettings(backfillDays: 7, clockSkewMinutes: 0)
        func problems(_ occurredAt: String) -> [String] {
            switch draft(occurredAt: occurredAt).validated(against: .defaults, settings: settings, now: now) {
            case .success: return []
            case .failure(let failure): return failure.problems.map(\.problem)
            }
        }
        #expect(problems("2026-11-13T12:00:00Z") == [])
        #expect(problems("2026-11-13T11:59:59Z") == ["is older than this program's backfill window of 7 days"])
        #expect(problems("2026-11-20T12:00:00Z") == [])
        #expect(problems("2026-11-20T12:00:01Z") == ["is more than 0 minutes ahead of Rally's clock"])
    }

    @Test(arguments: ["2026-11-20T09:14:00", "2026-11-20", "yesterday", "2026-02-29T09:14:00Z", ""])
    func occurredAtThatIsNotRFC3339IsRejected(value: String) {
        #expect(problems(draft(occurredAt: value)) == [
            FieldProblem(field: "occurredAt", problem: "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-20T09:14:00+01:00"),
        ])
    }

    @Test func atMost20Tags() {
        let twenty = (1...20).map { "tag\($0)" }
        #expect(problems(draft(tags: twenty)) == [])
        #expect(problems(draft(tags: twenty + ["tag21"])) == [FieldProblem(field: "tags", problem: "at most 20 tags")])
    }

    @Test func eachBadTagIsNamedByIndex() {
        let tags = ["ok", "", String(repeating: "t", count: 64), String(repeating: "t", count: 65), "a\u{0}b", "🚀"]
        #expect(problems(draft(tags: tags)) == [
            FieldProblem(field: "tags[1]", problem: "must not be empty"),
            FieldProblem(field: "tags[3]", problem: "must be at most 64 characters"),
            FieldProblem(field: "tags[4]", problem: CallerTextTests.control),
        ])
    }

    @Test func networkMustBeAnIdentifierOfAtMost64() {
        let problem = FieldProblem(field: "network", problem: "must be 1-64 characters of A-Z a-z 0-9 . _ : @ -")
        #expect(problems(draft(network: "linked in")) == [problem])
        #expect(problems(draft(network: "")) == [problem])
        #expect(problems(draft(network: String(repeating: "n", count: 65))) == [problem])
        #expect(problems(draft(network: String(repeating: "n", count: 64))) == [])
        #expect(problems(draft(network: "x\u{0}")) == [problem])
    }

    @Test func contentIdIsCallerTextOfAtMost512() {
        #expect(problems(draft(contentId: "")) == [FieldProblem(field: "contentId", problem: "must not be empty")])
        #expect(problems(draft(contentId: "line\nbreak")) == [FieldProblem(field: "contentId", problem: CallerTextTests.control)])
        #expect(problems(draft(contentId: "nul\u{0}")) == [FieldProblem(field: "contentId", problem: CallerTextTests.control)])
        #expect(problems(draft(contentId: String(repeating: "c", count: 513)))
            == [FieldProblem(field: "contentId", problem: "must be at most 512 characters")])
        #expect(problems(draft(contentId: String(repeating: "c", count: 512))) == [])
        #expect(problems(draft(contentId: "post with spaces & ünïcode 🚀")) == [])
    }

    @Test func anUnknownActionThatIsNotTextIsNotEchoed() {
        #expect(problems(draft(action: "sh\u{0}are")) == [
            FieldProblem(field: "action", problem: "unknown action given; this program scores: comment, like, post, share"),
        ])
    }

    @Test func everyProblemIsReportedInFieldOrder() {
        let bad = draft(id: "bad id", memberId: nil, action: "tweet", network: "x y", contentId: "", occurredAt: "2027-01-01T00:00:00Z",
                        tags: (0...20).map { "t\($0)" })
        #expect(problems(bad).map(\.field) == ["id", "memberId", "action", "network", "contentId", "occurredAt", "tags"])
    }
}

@Suite struct EventPayloadTests {
    let now = utc(2026, 11, 20, 12)

    func event(occurredAt: String = "2026-11-20T09:14:00.250+01:00", action: String = "share", network: String? = "linkedin",
               contentId: String? = "c-1", tags: [String] = ["a", "b"], id: String = "evt-1", memberId: String = "m-1") throws -> Event {
        try EventDraft(id: id, memberId: memberId, action: action, network: network, contentId: contentId, occurredAt: occurredAt, tags: tags)
            .validated(against: .defaults, now: now).get()
    }

    @Test func sameInstantWrittenWithDifferentOffsetsIsTheSamePayload() throws {
        let paris = try event(occurredAt: "2026-11-20T09:14:00.250+01:00")
        for text in ["2026-11-20T08:14:00.250Z", "2026-11-20T05:14:00.250-03:00", "2026-11-20T13:44:00.250+05:30"] {
            #expect(paris.hasSamePayload(as: try event(occurredAt: text)), "\(text)")
        }
    }

    @Test func tagsInAnotherOrderAreTheSamePayload() throws {
        #expect(try event(tags: ["a", "b"]).hasSamePayload(as: try event(tags: ["b", "a"])))
    }

    @Test func differentActionDiffers() throws {
        #expect(!(try event(action: "share").hasSamePayload(as: try event(action: "like"))))
    }

    @Test func anyOtherDifferenceDiffers() throws {
        let base = try event()
        #expect(!base.hasSamePayload(as: try event(occurredAt: "2026-11-20T09:14:00.251+01:00")))
        #expect(!base.hasSamePayload(as: try event(occurredAt: "2026-11-20T09:14:01.250+01:00")))
        #expect(!base.hasSamePayload(as: try event(occurredAt: "2026-11-20T09:14:00.250Z")))
        #expect(!base.hasSamePayload(as: try event(network: nil)))
        #expect(!base.hasSamePayload(as: try event(network: "x")))
        #expect(!base.hasSamePayload(as: try event(contentId: nil)))
        #expect(!base.hasSamePayload(as: try event(contentId: "c-2")))
        #expect(!base.hasSamePayload(as: try event(tags: ["a"])))
        #expect(!base.hasSamePayload(as: try event(tags: ["a", "b", "c"])))
        #expect(!base.hasSamePayload(as: try event(id: "evt-2")))
        #expect(!base.hasSamePayload(as: try event(memberId: "m-2")))
    }

    @Test func identicalEventIsTheSamePayload() throws {
        let base = try event()
        #expect(base.hasSamePayload(as: base))
    }
}
