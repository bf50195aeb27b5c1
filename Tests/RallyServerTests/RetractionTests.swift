import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `DELETE …/events/{eventId}`: the source retracted an event; its points are reversed once, and the member ends where
/// they would be had it never arrived.
@Suite("Retractions")
struct RetractionTests {
    static func retract(_ program: TestProgram, _ eventId: String, key: String? = nil) async throws -> TestResponse {
        try await program.app.send(.delete, "\(program.path)/events/\(eventId)", key: key ?? program.ingestKey)
    }

    @Test func aRetractionReversesThePointsOnceEverywhere() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            try await program.record(EventInput(id: "s1", memberId: "ana", action: "share"))
            try await program.record(EventInput(id: "p1", memberId: "ana", action: "post"))
            try await program.record(EventInput(id: "c1", memberId: "ben", action: "comment"))
            #expect(try await program.boardWhenReady(period: "all").standings == [Standing(1, "ana", 35), Standing(2, "ben", 5)])

            let response = try await Self.retract(program, "p1")
            try requireStatus(response, .ok)
            let answer = try decode(RetractionDTO.self, from: response)
            #expect(answer.eventId == "p1")
            #expect(answer.status == "retracted")
            #expect(answer.pointsReversed == 25)
            #expect(answer.member.points == PointsDTO(lifetime: 10, week: 10, month: 10))
            #expect(answer.member.ranks.all == 1)

            let again = try await Self.retract(program, "p1", key: program.adminKey)
            try requireStatus(again, .ok)
            #expect(try decode(RetractionDTO.self, from: again).pointsReversed == 25, "the same answer")
            #expect(try await program.profile("ana").points.lifetime == 10, "nothing reversed twice")
            let ledger = try await program.fullLedger("ana")
            #expect(ledger.map { "\($0.eventId) \($0.reason) \($0.points)" } == ["p1 reversal -25", "p1 award 25", "s1 award 10"])
            #expect(try await program.boardWhenReady(period: "all").standings == [Standing(1, "ana", 10), Standing(2, "ben", 5)])
            #expect(try await program.board(period: "week").standings == [Standing(1, "ana", 10), Standing(2, "ben", 5)])

            try expectError(try await Self.retract(program, "nope"), .notFound, code: "not_found")
            try expectError(try await Self.retract(program, "s1", key: program.readKey), .forbidden, code: "forbidden")
        }
    }

    @Test func aRetractedEventNoLongerCountsTowardsCapsOrContentButLaterAwardsStand() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let version = try await RulesTests.setRules(program, """
                {"actions": {"like": {"points": 1, "oncePerContent": true}}, "caps": [{"action": "like", "per": "day", "maxCount": 2}]}
                """)
            let at = Timestamp.rfc3339(try #require(version.effectiveFrom.flatMap(Timestamp.parse)).addingTimeInterval(1))
            func like(_ id: String, _ content: String) async throws -> String {
                let result = try await program.record(EventInput(id: id, memberId: "ana", action: "like", contentId: content, occurredAt: at))
                return "\(result.status)=\(result.points)"
            }
            #expect(try await like("l1", "a") == "awarded=1")
            #expect(try await like("l2", "b") == "awarded=1")
            #expect(try await like("l3", "c") == "capped=0")
            try requireStatus(try await Self.retract(program, "l1"), .ok)
            // l3 stays capped (past answers stand); l1's earning and its content are free again.
            #expect(try await like("l4", "a") == "awarded=1")
            #expect(try await like("l5", "d") == "capped=0")
            #expect(try await program.profile("ana").points.lifetime == 2)
            let capped = try await Self.retract(program, "l3")
            #expect(try decode(RetractionDTO.self, from: capped).pointsReversed == 0)
            #expect(try await program.profile("ana").points.lifetime == 2)
        }
    }
}

struct RetractionDTO: Decodable, Equatable {
    var eventId: String
    var status: String
    var pointsReversed: Int
    var member: MemberStandingDTO
}
