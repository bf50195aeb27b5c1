import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Events: one at a time")
struct EventTests {
    @Test func coreActionEarnsItsDefaultPoints() async throws {
        try await TestApp.run { app in
            for (action, points) in [("post", 25), ("share", 10), ("comment", 5), ("like", 1)] {
                let program = try await app.createProgram()
                try await program.addMembers(["ana"])
                let response = try await program.postEvent(EventInput(id: "e-\(action)", memberId: "ana", action: action, network: "linkedin",
                                                                       contentId: "post-9", tags: ["recruitment"]))
                try requireStatus(response, .created)
                let points64 = Int64(points)
                #expect(try decode(EventResultDTO.self, from: response) == EventResultDTO(
                    eventId: "e-\(action)", outcome: "created", status: "awarded", points: points,
                    breakdown: [AwardLineDTO(rule: "actions.\(action)", points: points)], rulesVersion: 0, badgesAwarded: [],
                    member: MemberStandingDTO(points: PointsDTO(lifetime: points64, week: points64, month: points64),
                                              ranks: RanksDTO(week: 1, month: 1, all: 1))))
                let profile = try await program.profile("ana")
                #expect(profile.points == PointsDTO(lifetime: points64, week: points64, month: points64, balance: points64))
                #expect(profile.ranks == RanksDTO(week: 1, month: 1, all: 1))
                let ledger = try await program.ledgerPage("ana")
                #expect(ledger.entries.map(\.eventId) == ["e-\(action)"])
                #expect(ledger.entries.map(\.action) == [action])
                #expect(ledger.entries.map(\.points) == [points])
            }
        }
    }

    @Test func memberTotalsAndRanksFollowEachEvent() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            let first = try await program.record(EventInput(id: "e1", memberId: "ana", action: "post"))
            #expect(first.member == MemberStandingDTO(points: PointsDTO(lifetime: 25, week: 25, month: 25), ranks: RanksDTO(week: 1, month: 1, all: 1)))
            let second = try await program.record(EventInput(id: "e2", memberId: "ben", action: "share"))
            #expect(second.member == MemberStandingDTO(points: PointsDTO(lifetime: 10, week: 10, month: 10), ranks: RanksDTO(week: 2, month: 2, all: 2)))
            let third = try await program.record(EventInput(id: "e3", memberId: "ben", action: "post"))
            #expect(third.member == MemberStandingDTO(points: PointsDTO(lifetime: 35, week: 35, month: 35), ranks: RanksDTO(week: 1, month: 1, all: 1)))
            #expect(try await program.profile("ana").ranks == RanksDTO(week: 2, month: 2, all: 2))
        }
    }

    @Test func duplicateEventIsNotScoredTwice() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let occurred = Timestamp.now().addingTimeInterval(-120)
            let original = EventInput(id: "haiilo-81723", memberId: "ana", action: "share", network: "linkedin", contentId: "post-9",
                                      occurredAt: Timestamp.rfc3339(occurred), tags: ["recruitment", "tech"])
            let created = try await program.record(original)

            // The same event retried, its instant written with another offset and its tags in another order.
            var retry = original
            retry.occurredAt = Timestamp.rfc3339(occurred, offsetSeconds: 5 * 3600 + 1800)
            retry.tags = ["tech", "recruitment"]
            #expect(retry.occurredAt != original.occurredAt)
            for _ in 0..<2 {
                let response = try await program.postEvent(retry)
                try requireStatus(response, .ok)
                var expected = created
                expected.outcome = "duplicate"
                #expect(try decode(EventResultDTO.self, from: response) == expected)
            }

            #expect(try await program.profile("ana").points == PointsDTO(lifetime: 10, week: 10, month: 10, balance: 10))
            #expect(try await program.ledgerPage("ana").entries.count == 1)
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 10)])
        }
    }

    @Test func duplicateWithFractionalSecondsInAnotherOffsetIsRecognised() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(backfillDays: 3660)
            try await program.addMembers(["ana"])
            let original = EventInput(id: "e1", memberId: "ana", action: "comment", occurredAt: "2026-01-05T10:00:00.5+01:00")
            try await program.record(original)
            var retry = original
            retry.occurredAt = "2026-01-05T09:00:00.500000Z"
            let response = try await program.postEvent(retry)
            try requireStatus(response, .ok)
            #expect(try decode(EventResultDTO.self, from: response).outcome == "duplicate")
            var moved = original
            moved.occurredAt = "2026-01-05T09:00:00.501Z"
            try expectError(try await program.postEvent(moved), .conflict, code: "event_conflict", fields: ["id"])
            #expect(try await program.profile("ana").points.lifetime == 5)
            #expect(try await program.ledgerPage("ana").entries.map(\.occurredAt) == ["2026-01-05T10:00:00.500+01:00"])
        }
    }

    @Test func reusedIdWithADifferentPayloadIsAConflict() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            let occurred = Timestamp.now().addingTimeInterval(-60)
            let original = EventInput(id: "e1", memberId: "ana", action: "share", occurredAt: Timestamp.rfc3339(occurred))
            try await program.record(original)

            var otherAction = original
            otherAction.action = "post"
            var otherMember = original
            otherMember.memberId = "ben"
            var otherInstant = original
            otherInstant.occurredAt = Timestamp.rfc3339(occurred.addingTimeInterval(1))
            var otherTags = original
            otherTags.tags = ["recruitment"]
            var otherNetwork = original
            otherNetwork.network = "x"
            for changed in [otherAction, otherMember, otherInstant, otherTags, otherNetwork] {
                try expectError(try await program.postEvent(changed), .conflict, code: "event_conflict", fields: ["id"])
            }

            #expect(try await program.profile("ana").points.lifetime == 10)
            #expect(try await program.profile("ben").points.lifetime == 0)
            #expect(try await program.ledgerPage("ana").entries.map(\.eventId) == ["e1"])
        }
    }

    @Test func unknownMemberIsRejectedAndNothingIsStored() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let event = EventInput(id: "e1", memberId: "ghost", action: "share")
            try expectError(try await program.postEvent(event), .unprocessableContent, code: "unknown_member", fields: ["memberId"])

            // Once the member exists, nothing of the refused event shows, and its id is still free.
            try await program.addMembers(["ghost"])
            #expect(try await program.profile("ghost").points == PointsDTO(lifetime: 0, week: 0, month: 0, balance: 0))
            #expect(try await program.ledgerPage("ghost").entries.isEmpty)
            #expect(try await program.board(period: "all").total == 0)
            let created = try await program.record(event)
            #expect(created.outcome == "created")
            #expect(created.points == 10)
            #expect(try await program.profile("ghost").points.lifetime == 10)
        }
    }

    @Test func unknownActionIsNamed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try expectError(try await program.postEvent(EventInput(id: "e1", memberId: "ana", action: "dance")),
                            .unprocessableContent, code: "validation_failed", fields: ["action"])
            #expect(try await program.profile("ana").points.lifetime == 0)
            // The id was not taken.
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "like"))
        }
    }

    @Test func everyMissingFieldIsNamed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await app.send(.post, "\(program.path)/events", key: program.ingestKey, body: "{}")
            try expectError(response, .unprocessableContent, code: "validation_failed", fields: ["id", "memberId", "action", "occurredAt"])
        }
    }

    @Test func malformedJSONIs400() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            for body in [#"{"id": "e1", "memberId": "ana""#, "not json", ""] {
                let response = try await app.send(.post, "\(program.path)/events", key: program.ingestKey, body: body)
                try expectError(response, .badRequest, code: "malformed_json")
            }
        }
    }

    @Test func wrongFieldTypeIsNamed() async throws {
        try await TestApp.run { app in
            for (body, fields) in [
                (#"{"id": "e1", "memberId": 42, "action": "share", "occurredAt": "2026-01-05T10:00:00Z"}"#, ["memberId"]),
                (#"{"id": "e1", "memberId": "ana", "action": "share", "occurredAt": "2026-01-05T10:00:00Z", "tags": "recruitment"}"#, ["tags"]),
                (#"{"id": 1, "memberId": "ana", "action": "share", "occurredAt": "2026-01-05T10:00:00Z"}"#, ["id"]),
                (#"{"id": "e1", "memberId": "ana", "action": ["share"], "occurredAt": 1767607200}"#, ["action", "occurredAt"]),
            ] {
                let program = try await app.createProgram()
                try await program.addMembers(["ana"])
                let response = try await app.send(.post, "\(program.path)/events", key: program.ingestKey, body: body)
                try expectError(response, .unprocessableContent, code: "validation_failed", fields: fields)
                #expect(try await program.profile("ana").points.lifetime == 0)
            }
        }
    }

    @Test func occurredAtMustBeRFC3339WithAnOffset() async throws {
        try await TestApp.run { app in
            for occurredAt in ["2026-11-20 09:14:00", "2026-11-20T09:14:00", "2026-02-30T09:14:00Z", "yesterday"] {
                let program = try await app.createProgram()
                try await program.addMembers(["ana"])
                try expectError(try await program.postEvent(EventInput(id: "e1", memberId: "ana", action: "share", occurredAt: occurredAt)),
                                .unprocessableContent, code: "validation_failed", fields: ["occurredAt"])
            }
        }
    }

    @Test func occurredAtFarInTheFutureIsRefused() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let future = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(2 * 3600))
            try expectError(try await program.postEvent(EventInput(id: "e1", memberId: "ana", action: "share", occurredAt: future)),
                            .unprocessableContent, code: "validation_failed", fields: ["occurredAt"])
            // A little clock skew is fine.
            let soon = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(60))
            try await program.record(EventInput(id: "e2", memberId: "ana", action: "share", occurredAt: soon))
        }
    }

    @Test func invalidIdsAreNamed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try expectError(try await program.postEvent(EventInput(id: "has space", memberId: "ana", action: "share")),
                            .unprocessableContent, code: "validation_failed", fields: ["id"])
            try expectError(try await program.postEvent(EventInput(id: String(repeating: "e", count: 129), memberId: "ana", action: "share")),
                            .unprocessableContent, code: "validation_failed", fields: ["id"])
            try expectError(try await program.postEvent(EventInput(id: "e1", memberId: "ana/x", action: "share")),
                            .unprocessableContent, code: "validation_failed", fields: ["memberId"])
        }
    }

    /// Known bug: `collect(upTo:)` throws NIOTooManyBytesError, which `RallyError.from` (RallyError+HTTP.swift) maps to a 500.
    @Test func oversizedBodyIs413WithTheErrorShape() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let huge = String(repeating: "x", count: 2 * 1024 * 1024 + 1)
            let event = EventInput(id: "e1", memberId: "ana", action: "share", contentId: huge)
            let single = try await program.postEvent(event)
            let batch = try await app.send(.post, "\(program.path)/events/batch", key: program.ingestKey, json: BatchInput(events: [event]))
            for response in [single, batch] {
                #expect(response.status != .ok && response.status != .created)
                let error = try decode(ErrorDTO.self, from: response).error
                #expect(error.requestId == response.headers[.requestId])
            }
            try expectError(single, .contentTooLarge, code: "payload_too_large")
            try expectError(batch, .contentTooLarge, code: "payload_too_large")
            #expect(try await program.profile("ana").points.lifetime == 0)
        }
    }

    /// The same through a real HTTP server and client.
    @Test func oversizedBodyOverHTTPIs413WithTheErrorShape() async throws {
        try await TestApp.run(.live) { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let event = EventInput(id: "e1", memberId: "ana", action: "share", contentId: String(repeating: "x", count: 2 * 1024 * 1024 + 1))
            let response = try await program.postEvent(event)
            let error = try decode(ErrorDTO.self, from: response).error
            #expect(error.requestId == response.headers[.requestId])
            try expectError(response, .contentTooLarge, code: "payload_too_large")
        }
    }

    @Test func notEnrolledMemberEarnsNothingAndSaysWhy() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", enrolled: false)), .created)
            let event = EventInput(id: "e1", memberId: "ana", action: "post", occurredAt: Timestamp.rfc3339(Timestamp.now()))
            let response = try await program.postEvent(event)
            try requireStatus(response, .created)
            let result = try decode(EventResultDTO.self, from: response)
            #expect(result == EventResultDTO(eventId: "e1", outcome: "created", status: "not_enrolled", points: 0, breakdown: [], rulesVersion: 0, badgesAwarded: [],
                                             member: MemberStandingDTO(points: PointsDTO(lifetime: 0, week: 0, month: 0),
                                                                       ranks: RanksDTO(week: nil, month: nil, all: nil))))
            #expect(try await program.profile("ana").points == PointsDTO(lifetime: 0, week: 0, month: 0, balance: 0))
            #expect(try await program.ledgerPage("ana").entries.isEmpty)
            #expect(try await program.board(period: "all").total == 0)

            // The event is recorded as it was: a retry after enrolment is a duplicate, still not scored.
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", enrolled: true)), .ok)
            let retry = try await program.postEvent(event)
            try requireStatus(retry, .ok)
            let duplicate = try decode(EventResultDTO.self, from: retry)
            #expect(duplicate.outcome == "duplicate")
            #expect(duplicate.status == "not_enrolled")
            #expect(duplicate.points == 0)
            // New events score now.
            #expect(try await program.record(EventInput(id: "e2", memberId: "ana", action: "post")).points == 25)
        }
    }
}
