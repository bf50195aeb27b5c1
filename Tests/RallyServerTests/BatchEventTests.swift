import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Events: batches")
struct BatchEventTests {
    @Test func mixedBatchAnswersOneResultPerEventInOrder() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            let now = Timestamp.rfc3339(Timestamp.now())
            let events = [
                try encodeJSON(EventInput(id: "b0", memberId: "ana", action: "share", occurredAt: now)),
                try encodeJSON(EventInput(id: "b1", memberId: "ana", action: "dance", occurredAt: now)),
                try encodeJSON(EventInput(id: "b2", memberId: "ghost", action: "post", occurredAt: now)),
                try encodeJSON(EventInput(id: "b3", memberId: "ben", action: "like", occurredAt: now)),
                #"{"id": "b4", "memberId": 5, "action": "post", "occurredAt": "\#(now)"}"#,
                try encodeJSON(EventInput(id: "b5", memberId: "ben", action: "comment", occurredAt: nil)),
                "42",
                try encodeJSON(EventInput(id: "b7", memberId: "ana", action: "post", occurredAt: now)),
            ]
            let response = try await app.send(.post, "\(program.path)/events/batch", key: program.ingestKey,
                                              body: #"{"events": [\#(events.joined(separator: ","))]}"#)
            try requireStatus(response, .ok)
            let results = try decode(BatchDTO.self, from: response).results
            try #require(results.count == 8)

            #expect(results.map(\.eventId) == ["b0", "b1", "b2", "b3", "b4", "b5", nil, "b7"])
            #expect(results.map(\.outcome) == ["created", nil, nil, "created", nil, nil, nil, "created"])
            #expect(results.map(\.status) == ["awarded", nil, nil, "awarded", nil, nil, nil, "awarded"])
            #expect(results.map(\.points) == [10, nil, nil, 1, nil, nil, nil, 25])
            #expect(results[0].breakdown == [AwardLineDTO(rule: "actions.share", points: 10)])
            #expect(results[7].breakdown == [AwardLineDTO(rule: "actions.post", points: 25)])
            #expect(results[7].member?.points == PointsDTO(lifetime: 35, week: 35, month: 35))
            #expect(results[3].member?.points == PointsDTO(lifetime: 1, week: 1, month: 1))

            let errors = results.map(\.error)
            #expect(errors.map { $0?.code } == [nil, "validation_failed", "unknown_member", nil, "validation_failed", "validation_failed",
                                                 "validation_failed", nil])
            #expect(errors.map { $0?.details.map(\.field) } == [nil, ["events[1].action"], ["events[2].memberId"], nil, ["events[4].memberId"],
                                                                 ["events[5].occurredAt"], ["events[6]"], nil])
            for error in errors.compactMap({ $0 }) {
                #expect(!error.message.isEmpty)
                #expect(error.requestId == response.headers[.requestId])
            }
            // A result carries either an outcome or an error, never both.
            #expect(results.allSatisfy { ($0.outcome == nil) != ($0.error == nil) })

            #expect(try await program.profile("ana").points.lifetime == 35)
            #expect(try await program.profile("ben").points.lifetime == 1)
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 35), Standing(2, "ben", 1)])
        }
    }

    @Test func batchWithTheSameIdTwiceScoresOnce() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let event = EventInput(id: "twice", memberId: "ana", action: "share")
            let results = try await program.recordBatch([event, event])
            #expect(results.map(\.outcome) == ["created", "duplicate"])
            #expect(results.map(\.points) == [10, 10])
            #expect(results.map(\.eventId) == ["twice", "twice"])
            #expect(try await program.profile("ana").points.lifetime == 10)
            #expect(try await program.ledgerPage("ana").entries.map(\.eventId) == ["twice"])
        }
    }

    @Test func batchWithTheSameIdAndAnotherPayloadIsAConflictForTheSecond() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let first = EventInput(id: "same", memberId: "ana", action: "share")
            var second = first
            second.action = "post"
            let results = try await program.recordBatch([first, second])
            #expect(results[0].outcome == "created")
            #expect(results[1].outcome == nil)
            #expect(results[1].eventId == "same")
            #expect(results[1].error?.code == "event_conflict")
            #expect(results[1].error?.details.map(\.field) == ["events[1].id"])
            #expect(try await program.profile("ana").points.lifetime == 10)
        }
    }

    @Test func resentBatchIsAllDuplicatesAndChangesNothing() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            let events = [
                EventInput(id: "r1", memberId: "ana", action: "post"),
                EventInput(id: "r2", memberId: "ben", action: "comment"),
                EventInput(id: "r3", memberId: "ana", action: "like"),
            ]
            let first = try await program.recordBatch(events)
            #expect(first.map(\.outcome) == ["created", "created", "created"])
            let again = try await program.recordBatch(events)
            #expect(again.map(\.outcome) == ["duplicate", "duplicate", "duplicate"])
            #expect(again.map(\.points) == [25, 5, 1])
            #expect(try await program.profile("ana").points.lifetime == 26)
            #expect(try await program.profile("ben").points.lifetime == 5)
        }
    }

    @Test func batchOfExactly1000EventsIsAccepted() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let events = (0..<1000).map { EventInput(id: "like-\($0)", memberId: "ana", action: "like", contentId: "post-\($0)") }
            let results = try await program.recordBatch(events)
            #expect(results.count == 1000)
            #expect(results.allSatisfy { $0.outcome == "created" && $0.points == 1 })
            #expect(results.map(\.eventId) == events.map(\.id))
            #expect(try await program.profile("ana").points.lifetime == 1000)
        }
    }

    @Test func batchOfMoreThan1000EventsIsRefused() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let events = (0..<1001).map { EventInput(id: "like-\($0)", memberId: "ana", action: "like") }
            try expectError(try await program.postBatch(events), .unprocessableContent, code: "validation_failed", fields: ["events"])
            #expect(try await program.profile("ana").points.lifetime == 0)
        }
    }

    @Test func emptyOrMissingEventListIsRefused() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try expectError(try await program.postBatch([]), .unprocessableContent, code: "validation_failed", fields: ["events"])
            for body in ["{}", #"{"events": "none"}"#] {
                try expectError(try await app.send(.post, "\(program.path)/events/batch", key: program.ingestKey, body: body),
                                .unprocessableContent, code: "validation_failed", fields: ["events"])
            }
            try expectError(try await app.send(.post, "\(program.path)/events/batch", key: program.ingestKey, body: #"{"events": ["#),
                            .badRequest, code: "malformed_json")
        }
    }

    @Test func readKeyCannotPostABatch() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let response = try await app.send(.post, "\(program.path)/events/batch", key: program.readKey,
                                              json: BatchInput(events: [EventInput(id: "e1", memberId: "ana", action: "post")]))
            try expectError(response, .forbidden, code: "forbidden")
        }
    }
}
