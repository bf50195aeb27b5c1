import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `PATCH /v1/programs/{id}`: name, time zone and the window of accepted `occurredAt`.
@Suite("Program settings and the occurredAt window")
struct ProgramChangeTests {
    static func daysAgo(_ days: Double) -> String {
        Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-days * 86_400))
    }

    @Test func aNewProgramAcceptsAYearBackAndAnHourAhead() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let shown = try decode(ProgramDTO.self, from: try await app.send(.get, program.path, key: program.readKey))
            #expect(shown.backfillDays == 366 && shown.clockSkewMinutes == 60)
            try await program.addMembers(["ana"])
            try await program.record(EventInput(id: "recent", memberId: "ana", action: "share", occurredAt: Self.daysAgo(365)))
            try await program.record(EventInput(id: "soon", memberId: "ana", action: "like",
                                                occurredAt: Timestamp.rfc3339(Timestamp.now().addingTimeInterval(50 * 60))))
            for (id, occurredAt, problem) in [
                ("ancient", "0001-01-01T00:00:00Z", "is older than this program's backfill window of 366 days"),
                ("old", Self.daysAgo(367), "is older than this program's backfill window of 366 days"),
                ("future", Timestamp.rfc3339(Timestamp.now().addingTimeInterval(2 * 3600)), "is more than 60 minutes ahead of Rally's clock"),
                ("far", "9999-12-31T23:59:59Z", "is more than 60 minutes ahead of Rally's clock"),
            ] {
                let response = try await program.postEvent(EventInput(id: id, memberId: "ana", action: "post", occurredAt: occurredAt))
                let error = try expectError(response, .unprocessableContent, code: "validation_failed", fields: ["occurredAt"])
                #expect(error.details.first?.problem == problem, "\(id)")
            }
            // Nothing of the refused events was stored: no ledger entry, and no board for their periods.
            #expect(try await program.fullLedger("ana").map(\.eventId).sorted() == ["recent", "soon"])
            #expect(try await program.board(period: "day", at: "0001-01-01").total == 0)
        }
    }

    @Test func anAdminChangesTheWindowAndItAppliesAtOnce() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let response = try await app.send(.patch, program.path, key: program.adminKey, body: #"{"backfillDays": 7, "clockSkewMinutes": 5}"#)
            try requireStatus(response, .ok)
            let changed = try decode(ProgramDTO.self, from: response)
            #expect(changed.backfillDays == 7 && changed.clockSkewMinutes == 5 && changed.name == "Test program" && changed.timezone == "Europe/Paris")
            try await program.record(EventInput(id: "six", memberId: "ana", action: "share", occurredAt: Self.daysAgo(6)))
            try expectError(try await program.postEvent(EventInput(id: "eight", memberId: "ana", action: "share", occurredAt: Self.daysAgo(8))),
                            .unprocessableContent, code: "validation_failed", fields: ["occurredAt"])
            try expectError(try await program.postEvent(EventInput(id: "ahead", memberId: "ana", action: "share",
                                                                   occurredAt: Timestamp.rfc3339(Timestamp.now().addingTimeInterval(10 * 60)))),
                            .unprocessableContent, code: "validation_failed", fields: ["occurredAt"])
            // A batch applies the same window to each event.
            let results = try await program.recordBatch([EventInput(id: "b-ok", memberId: "ana", action: "like", occurredAt: Self.daysAgo(1)),
                                                         EventInput(id: "b-old", memberId: "ana", action: "like", occurredAt: Self.daysAgo(30))])
            #expect(results.map(\.outcome) == ["created", nil])
            #expect(results[1].error?.details.map(\.field) == ["events[1].occurredAt"])
        }
    }

    @Test func invalidChangesNameEveryFieldAndChangeNothing() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await app.send(.patch, program.path, key: program.adminKey,
                                              body: #"{"name": "", "backfillDays": 0, "clockSkewMinutes": 2000, "timezone": "Mars/Olympus"}"#)
            try expectError(response, .unprocessableContent, code: "validation_failed", fields: ["name", "timezone", "backfillDays", "clockSkewMinutes"])
            try expectError(try await app.send(.patch, program.path, key: program.adminKey, body: #"{"backfillDays": "a lot", "colour": "red"}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["backfillDays", "colour"])
            try expectError(try await app.send(.patch, program.path, key: program.adminKey, body: #"{"backfillDays": 3661}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["backfillDays"])
            try expectError(try await app.send(.patch, program.path, key: program.adminKey, body: "[]"), .badRequest, code: "malformed_json")
            let shown = try decode(ProgramDTO.self, from: try await app.send(.get, program.path, key: program.readKey))
            #expect(shown.name == "Test program" && shown.timezone == "Europe/Paris" && shown.backfillDays == 366 && shown.clockSkewMinutes == 60)
        }
    }

    @Test func onlyAnAdminOrTheOperatorMayChangeAProgram() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let other = try await app.createProgram()
            let body = #"{"name": "Renamed"}"#
            for key in [program.readKey, program.ingestKey, other.adminKey] {
                try expectError(try await app.send(.patch, program.path, key: key, body: body), .forbidden, code: "forbidden")
            }
            try expectError(try await app.send(.patch, program.path, key: nil, body: body), .unauthorized, code: "unauthorized")
            try expectError(try await app.send(.patch, "/v1/programs/nope-\(UUID().uuidString.prefix(8))", key: app.operatorToken, body: body),
                            .notFound, code: "not_found")
            let renamed = try await app.send(.patch, program.path, key: app.operatorToken, body: body)
            try requireStatus(renamed, .ok)
            #expect(try decode(ProgramDTO.self, from: renamed).name == "Renamed")
        }
    }

    @Test func theTimeZoneChangesOnlyUntilTheFirstEvent() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let moved = try await app.send(.patch, program.path, key: program.adminKey, body: #"{"timezone": "America/New_York"}"#)
            try requireStatus(moved, .ok)
            #expect(try decode(ProgramDTO.self, from: moved).timezone == "America/New_York")
            try await program.addMembers(["ana"])
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "share"))
            try expectError(try await app.send(.patch, program.path, key: program.adminKey, body: #"{"timezone": "Asia/Tokyo"}"#),
                            .conflict, code: "conflict", fields: ["timezone"])
            // The same zone again is no change, and other settings still change.
            try requireStatus(try await app.send(.patch, program.path, key: program.adminKey,
                                                 body: #"{"timezone": "America/New_York", "backfillDays": 30}"#), .ok)
            let shown = try decode(ProgramDTO.self, from: try await app.send(.get, program.path, key: program.readKey))
            #expect(shown.timezone == "America/New_York" && shown.backfillDays == 30)
        }
    }
}
