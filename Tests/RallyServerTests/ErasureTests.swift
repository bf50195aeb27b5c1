import Foundation
import HummingbirdTesting
import RallyCore
import Testing

/// `DELETE …/members/{id}` erases the person and `GET …/members/{id}/export` shows everything held on them.
@Suite("Trust: erasure and export")
struct ErasureTests {
    static func export(_ program: TestProgram, _ memberId: String) async throws -> JSONValue {
        let response = try await program.app.send(.get, "\(program.path)/members/\(memberId)/export", key: program.adminKey)
        try requireStatus(response, .ok)
        return try decode(JSONValue.self, from: response)
    }

    /// Rows still under `memberId` in any of the member's tables (and survey answers).
    static func rowsUnder(_ program: TestProgram, _ memberId: String) async throws -> Int {
        let tables = ["members", "events", "ledger", "member_days", "member_totals", "member_activity", "content_awards", "member_action_totals",
                      "member_badges", "member_campaign_days", "member_enrolments", "member_audiences", "survey_responses"]
        let counts = try await program.app.database.column(tables.map { "SELECT count(*) FROM \($0) WHERE program_id = $1 AND member_id = $2" }
            .joined(separator: " UNION ALL "), [program.id, memberId])
        return counts.compactMap { $0.flatMap(Int.init) }.reduce(0, +)
    }

    @Test func anErasedMemberIsGoneWhileEveryFigureCountedStays() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC", backfillDays: 3660)
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana Lopez", team: "Sales", region: "Lyon",
                                                                                 audience: ["linkedin": 300])), .created)
            try requireStatus(try await program.putMember("ben", MemberInput(displayName: "Ben", team: "Sales", region: "Lyon")), .created)
            try await program.app.database.setEnrolments(program: program.id, [.init(memberId: "ana", at: "2026-01-01T00:00:00Z", team: "Sales"),
                                                                       .init(memberId: "ben", at: "2026-01-01T00:00:00Z", team: "Sales")])
            try await program.record(EventInput(id: "a1", memberId: "ana", action: "post", occurredAt: "2026-10-06T10:00:00Z"))
            try await program.record(EventInput(id: "a2", memberId: "ana", action: "share", network: "linkedin", occurredAt: "2026-10-07T10:00:00Z"))
            try await program.record(EventInput(id: "a3", memberId: "ana", action: "like"))
            try await program.record(EventInput(id: "b1", memberId: "ben", action: "like", occurredAt: "2026-10-08T10:00:00Z"))
            try await program.record(EventInput(id: "b2", memberId: "ben", action: "comment"))
            try requireStatus(try await app.send(.post, "\(program.path)/surveys/responses", key: program.ingestKey,
                                                 body: #"{"id": "r1", "memberId": "ana", "kind": "enps", "score": 9}"#), .created)

            // The export holds everything: the profile as stored, history, events, ledger, answers.
            let exported = try await Self.export(program, "ana")
            #expect(exported["displayName"] == .string("Ana Lopez") && exported["team"] == .string("Sales"))
            #expect(exported["audience"]?["linkedin"] == .integer(300))
            guard case let .array(events)? = exported["events"], case let .array(ledger)? = exported["ledger"],
                  case let .array(answers)? = exported["surveyResponses"], case let .array(history)? = exported["enrolmentHistory"] else {
                Issue.record("export misses a section: \(exported)")
                return
            }
            #expect(events.map { $0["eventId"] } == [.string("a1"), .string("a2"), .string("a3")])
            #expect(ledger.count == 3 && answers.map { $0["responseId"] } == [.string("r1")] && history.count == 1)

            let october = "granularity=month&from=2026-10-01&to=2026-10-31&groupBy=team"
            let participation = try await ParticipationTests.participation(program, october)
            let reach = try await ReachTests.reach(program, "from=2026-10-01&to=2026-10-31")
            #expect(participation.periods[0].figures == Figures(enrolled: 2, active: 2, rate: 1, newlyActive: 2,
                                                                actions: ["post": 1, "share": 1, "like": 1]))
            #expect(reach.potentialReach == 300)
            let today = "granularity=week&from=\(String(Timestamp.rfc3339(Timestamp.now()).prefix(10)))&to=\(String(Timestamp.rfc3339(Timestamp.now()).prefix(10)))&groupBy=team"
            let thisWeek = try await ParticipationTests.participation(program, today).periods.map(\.groups)
            let teamsBefore = text(try await app.send(.get, "\(program.path)/leaderboards/teams?period=all", key: program.readKey))
            #expect(teamsBefore.contains(#""points":42"#), "\(teamsBefore)")

            try requireStatus(try await app.send(.delete, "\(program.path)/members/ana", key: program.adminKey), .noContent)

            // The person is gone: no profile, no export, off every board, no row under the id, the answer anonymous.
            try expectError(try await app.send(.get, "\(program.path)/members/ana", key: program.readKey), .notFound, code: "not_found")
            try expectError(try await app.send(.get, "\(program.path)/members/ana/export", key: program.adminKey), .notFound, code: "not_found")
            try expectError(try await app.send(.delete, "\(program.path)/members/ana", key: program.adminKey), .notFound, code: "not_found")
            for period in ["day", "week", "all"] {
                #expect(try await program.board(period: period).entries.map(\.memberId) == ["ben"], "\(period)")
            }
            // Team totals keep her points (a hidden member's count for the team), and this week's participation is as it was.
            #expect(text(try await app.send(.get, "\(program.path)/leaderboards/teams?period=all", key: program.readKey)) == teamsBefore)
            #expect(try await ParticipationTests.participation(program, today).periods.map(\.groups) == thisWeek)
            #expect(try await Self.rowsUnder(program, "ana") == 0)
            #expect(try await program.app.database.column("SELECT member_id FROM survey_responses WHERE program_id = $1", [program.id]) == [nil])
            let audit = text(try await app.send(.get, "\(program.path)/audit", key: program.adminKey))
            #expect(audit.contains("\"member.erased\"") && !audit.contains("\"ana\"") && !audit.contains("Ana Lopez"))

            // What was counted stays: October's participation (counted again from the rows, not from what was kept) and
            // reach, the ledger against the totals.
            try await program.app.database.execute("DELETE FROM participation_figures WHERE program_id = $1", [program.id])
            #expect(try await ParticipationTests.participation(program, october).periods.map(\.figures) == participation.periods.map(\.figures))
            #expect(try await ParticipationTests.participation(program, october).periods.map(\.groups) == participation.periods.map(\.groups))
            #expect(try await ReachTests.reach(program, "from=2026-10-01&to=2026-10-31") == reach)
            #expect(try await program.app.database.column("""
                SELECT (SELECT sum(points) FROM ledger WHERE program_id = $1) = (SELECT sum(points) FROM member_totals WHERE program_id = $1)
                    AND (SELECT count(*) FROM events WHERE program_id = $1) = 5
                """, [program.id]) == ["t"])

            // The id is free: the same id enrols again as a new person, with nothing of the old one.
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Another Ana")), .created)
            let profile = try decode(ProfileDTO.self, from: try await app.send(.get, "\(program.path)/members/ana", key: program.readKey))
            #expect(profile.points.lifetime == 0 && profile.displayName == "Another Ana")
            guard case let .array(again)? = try await Self.export(program, "ana")["events"] else { return }
            #expect(again.isEmpty)
        }
    }
}
