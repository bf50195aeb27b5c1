import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("The ledger, the boards and the profiles agree")
struct LedgerConsistencyTests {
    static let actions = ["post", "share", "comment", "like"]

    /// Event n belongs to member m(n % 5) and is a `actions[n % 4]`.
    static func event(_ n: Int) -> EventInput {
        EventInput(id: "e\(n)", memberId: "m\(n % 5)", action: actions[n % 4], occurredAt: occurredAt)
    }

    static let occurredAt = Timestamp.rfc3339(Timestamp.now())

    /// Events 0…95 scored once each. Member j has the events n ≡ j (mod 5), whose actions cycle from `actions[j % 4]`:
    /// m0: 20 events, 5 of each action = 5 × 41 = 205; m1: 19 = 4 × 41 + share, comment, like = 180;
    /// m2: 164 + comment, like, post = 195; m3: 164 + like, post, share = 200; m4: 164 + post, share, comment = 204.
    static let expected: [String: (points: Int64, entries: Int)] = [
        "m0": (205, 20), "m1": (180, 19), "m2": (195, 19), "m3": (200, 19), "m4": (204, 19),
    ]

    @Test func ledgerSumEqualsTheAllTimeBoardAndTheProfileAfterAMixedLoad() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["m0", "m1", "m2", "m3", "m4"])

            // 1. A first batch.
            let first = try await program.recordBatch((0..<40).map(Self.event))
            #expect(first.allSatisfy { $0.outcome == "created" })

            // 2. A batch overlapping it, with a conflict, an unknown member and an unknown action.
            var conflicting = Self.event(5)
            conflicting.action = "post"
            let second = try await program.recordBatch((20..<60).map(Self.event) + [
                conflicting,
                EventInput(id: "g1", memberId: "ghost", action: "post"),
                EventInput(id: "x1", memberId: "m1", action: "dance"),
            ])
            #expect(second[0..<20].allSatisfy { $0.outcome == "duplicate" })
            #expect(second[20..<40].allSatisfy { $0.outcome == "created" })
            #expect(second[40...].map { $0.error?.code } == ["event_conflict", "unknown_member", "validation_failed"])

            // 3. Single events, a retry, a conflict and an unknown member.
            for n in 60..<72 { try await program.record(Self.event(n)) }
            try requireStatus(try await program.postEvent(Self.event(61)), .ok)
            var moved = Self.event(62)
            moved.occurredAt = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-3600))
            try expectError(try await program.postEvent(moved), .conflict, code: "event_conflict")
            try expectError(try await program.postEvent(EventInput(id: "g2", memberId: "ghost", action: "like")),
                            .unprocessableContent, code: "unknown_member")

            // 4. The rest sent twice each, all at once.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 72..<96 {
                    for _ in 0..<2 { group.addTask { Int(try await program.postEvent(Self.event(n)).status.code) } }
                }
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses.filter { $0 == 201 }.count == 24)
            #expect(statuses.filter { $0 == 200 }.count == 24)

            let board = try await program.board(period: "all", limit: 100)
            #expect(board.standings == [Standing(1, "m0", 205), Standing(2, "m4", 204), Standing(3, "m3", 200), Standing(4, "m2", 195),
                                        Standing(5, "m1", 180)])
            for (member, expected) in Self.expected.sorted(by: { $0.key < $1.key }) {
                let ledger = try await program.fullLedger(member, pageSize: 7)
                let profile = try await program.profile(member)
                let onBoard = board.entries.first { $0.memberId == member }
                #expect(ledger.count == expected.entries, "\(member)")
                #expect(Int64(ledger.map(\.points).reduce(0, +)) == expected.points, "\(member): ledger")
                #expect(onBoard?.points == expected.points, "\(member): all-time board")
                #expect(profile.points.lifetime == expected.points, "\(member): profile")
                #expect(profile.ranks.all == onBoard?.rank, "\(member)")
                #expect(Set(ledger.map(\.eventId)).count == ledger.count, "\(member): each event once")
                #expect(ledger.allSatisfy { $0.points == DefaultPoints.of($0.action) }, "\(member)")
            }
            // Every event happened now: this week's and this month's boards are the same.
            for period in ["week", "month"] {
                #expect(try await program.board(period: period, limit: 100).standings == board.standings, "\(period)")
            }
        }
    }
}
