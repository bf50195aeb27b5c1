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

            #expect(try await program.profile("ana").points == PointsDTO(lifetime: 25, week: 25, month: 25))
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
                #expect(profile.points == PointsDTO(lifetime: 117, week: 117, month: 117), "\(member)")
                #expect(profile.ranks == RanksDTO(week: 1, month: 1, all: 1), "\(member)")
                #expect(try await program.fullLedger(member).count == 10, "\(member)")
            }
            let board = try await program.board(period: "all", limit: 100)
            #expect(board.total == 20)
            #expect(board.entries.allSatisfy { $0.rank == 1 && $0.points == 117 })
            #expect(Set(board.entries.compactMap(\.memberId)) == Set(members))
        }
    }
}
