import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Concurrency and idempotency")
struct ConcurrencyTests {
    @Test func hundredConcurrentRetriesOfOneEventScoreItOnce() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let event = EventInput(id: "storm", memberId: "ana", action: "post", contentId: "post-1", tags: ["launch"])
            let answers = try await withThrowingTaskGroup(of: (Int, String?, Int?).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        let response = try await program.postEvent(event)
                        let result = try? JSONDecoder().decode(EventResultDTO.self, from: Data(response.body.readableBytesView))
                        return (Int(response.status.code), result?.outcome, result?.points)
                    }
                }
                var answers: [(Int, String?, Int?)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            #expect(answers.count == 100)
            #expect(answers.filter { $0.0 == 201 && $0.1 == "created" }.count == 1)
            #expect(answers.filter { $0.0 == 200 && $0.1 == "duplicate" }.count == 99)
            #expect(answers.allSatisfy { $0.2 == 25 })

            #expect(try await program.profile("ana").points == PointsDTO(lifetime: 25, week: 25, month: 25, balance: 25))
            #expect(try await program.fullLedger("ana").map(\.eventId) == ["storm"])
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 25)])
        }
    }

    @Test func twoHundredConcurrentDistinctEventsAreAllScored() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let members = (0..<20).map { "m\($0)" }
            try await program.addMembers(members)
            // Event i belongs to member i % 20; each member's 10 events cycle post, share, comment, like, post, share, comment, like, post, share.
            let actions = ["post", "share", "comment", "like"]
            let events = (0..<200).map { index in
                EventInput(id: "c-\(index)", memberId: "m\(index % 20)", action: actions[(index / 20) % 4])
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for event in events {
                    group.addTask { Int(try await program.postEvent(event).status.code) }
                }
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses.count == 200)
            #expect(statuses.allSatisfy { $0 == 201 })

            // 3 × 25 + 3 × 10 + 2 × 5 + 2 × 1 = 117 for every member.
            for member in members {
                let profile = try await program.profile(member)
                #expect(profile.points == PointsDTO(lifetime: 117, week: 117, month: 117, balance: 117), "\(member)")
                #expect(profile.ranks == RanksDTO(week: 1, month: 1, all: 1), "\(member)")
                #expect(try await program.fullLedger(member).count == 10, "\(member)")
            }
            let board = try await program.board(period: "all", limit: 100)
            #expect(board.total == 20)
            #expect(board.entries.allSatisfy { $0.rank == 1 && $0.points == 117 })
            #expect(Set(board.entries.compactMap(\.memberId)) == Set(members))
        }
    }

    /// Good and poisoned events (a NUL in a tag) from three programs at once, single and in batches: every good one is
    /// recorded, every poisoned one answers its own error, and each member's ledger equals the boards.
    @Test func poisonedEventsNeverFailTheGoodOnesBesideThem() async throws {
        try await TestApp.run { app in
            var programs: [TestProgram] = []
            for _ in 0..<3 {
                let program = try await app.createProgram()
                try await program.addMembers(["ana", "ben", "cid"])
                programs.append(program)
            }
            let now = Timestamp.rfc3339(Timestamp.now())
            func body(_ id: String, _ member: String, poisoned: Bool) -> String {
                let tag = poisoned ? #""a\u0000b""# : #""ok""#
                return #"{"id": "\#(id)", "memberId": "\#(member)", "action": "share", "occurredAt": "\#(now)", "tags": [\#(tag)]}"#
            }
            let members = ["ana", "ben", "cid"]
            let answers = try await withThrowingTaskGroup(of: (program: Int, poisoned: Bool, statuses: [Int], fields: [String]).self) { group in
                for (p, program) in programs.enumerated() {
                    for index in 0..<20 {
                        let poisoned = index % 2 == 1
                        let sent = body("s\(index)", members[index % 3], poisoned: poisoned)
                        group.addTask {
                            let response = try await app.send(.post, "\(program.path)/events", key: program.ingestKey, body: sent)
                            let fields = (try? JSONDecoder().decode(ErrorDTO.self, from: Data(response.body.readableBytesView)))?.error.details.map(\.field)
                            return (p, poisoned, [Int(response.status.code)], fields ?? [])
                        }
                    }
                    for batch in 0..<4 {
                        let events = (0..<10).map { body("b\(batch)-\($0)", members[$0 % 3], poisoned: $0 % 2 == 1) }
                        group.addTask {
                            let response = try await app.send(.post, "\(program.path)/events/batch", key: program.ingestKey,
                                                              body: #"{"events": [\#(events.joined(separator: ","))]}"#)
                            let results = try JSONDecoder().decode(BatchDTO.self, from: Data(response.body.readableBytesView)).results
                            return (p, false, results.map { $0.error == nil ? 201 : 422 }, results.compactMap { $0.error?.details.first?.field })
                        }
                    }
                }
                var answers: [(program: Int, poisoned: Bool, statuses: [Int], fields: [String])] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            for answer in answers where answer.statuses.count == 1 {
                #expect(answer.statuses == [answer.poisoned ? 422 : 201])
                #expect(answer.fields == (answer.poisoned ? ["tags[0]"] : []))
            }
            for answer in answers where answer.statuses.count == 10 {
                #expect(answer.statuses == [201, 422, 201, 422, 201, 422, 201, 422, 201, 422])
                #expect(answer.fields == [1, 3, 5, 7, 9].map { "events[\($0)].tags[0]" })
            }
            // Per program: 10 good singles and 20 good batched events, 10 points each, spread over ana, ben and cid.
            for program in programs {
                var expected: [String: Int64] = [:]
                for index in stride(from: 0, to: 20, by: 2) { expected[members[index % 3], default: 0] += 10 }
                for _ in 0..<4 { for index in stride(from: 0, to: 10, by: 2) { expected[members[index % 3], default: 0] += 10 } }
                let board = try await program.board(period: "all", limit: 100)
                #expect(Dictionary(uniqueKeysWithValues: board.entries.map { ($0.memberId ?? "?", $0.points) }) == expected)
                for member in members {
                    let ledger = try await program.fullLedger(member)
                    #expect(Int64(ledger.map(\.points).reduce(0, +)) == expected[member], "\(member)")
                    #expect(try await program.profile(member).points.lifetime == expected[member])
                }
            }
        }
    }
}
