import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyCore
import Redis
import RallyTestSupport
import Testing

/// Boards of periods Redis no longer keeps (`RALLY_BOARD_RETENTION`) are answered from PostgreSQL: the same pages an
/// app keeping every board in Redis gives, entry for entry and tie for tie.
@Suite("Leaderboards: periods past keeping, from PostgreSQL")
struct PastPeriodBoardTests {
    static let everything = BoardRetention(periods: [.day: 10_000, .week: 10_000, .month: 10_000, .quarter: 10_000, .year: 10_000])

    /// The local (UTC) date `days` ago, and noon of it as an `occurredAt` (now, for today: noon may be ahead).
    static func day(_ days: Int) -> (key: String, noon: String) {
        let key = Timestamp.localDate(Timestamp.now().addingTimeInterval(-Double(days) * 86_400), in: .gmt)
        return (key, days == 0 ? Timestamp.rfc3339(Timestamp.now()) : "\(key)T12:00:00Z")
    }

    /// Every board query the test compares: tracked periods at old dates, old windows, each scope, two page shapes.
    static func queries() -> [String] {
        let (d100, d99, d400) = (day(100).key, day(99).key, day(400).key)
        let spans = ["period=day&at=\(d100)", "period=day&at=\(d99)", "period=week&at=\(d100)", "period=month&at=\(d100)",
                     "period=quarter&at=\(d100)", "period=year&at=\(d400)", "period=year&at=\(day(700).key)", "period=week&at=\(d400)", "period=all",
                     "from=\(day(102).key)&to=\(day(98).key)", "from=\(d400)&to=\(d99)", "period=rolling&days=120"]
        return spans.flatMap { span in
            ["", "&team=Sales", "&region=Lyon"].flatMap { scope in ["&limit=100", "&limit=1&offset=1"].map { span + scope + $0 } }
        }
    }

    static func boards(_ program: TestProgram) async throws -> [String: TestResponse] {
        var answers: [String: TestResponse] = [:]
        for query in queries() {
            answers[query] = try await program.app.send(.get, "\(program.path)/leaderboards/members?\(query)", key: program.readKey)
        }
        for member in ["ana", "ben", "cid", "dan"] {
            for span in ["period=day&at=\(day(100).key)", "from=\(day(102).key)&to=\(day(98).key)", "period=week&at=\(day(400).key)"] {
                let query = "around/\(member)?\(span)&radius=1"
                answers[query] = try await program.app.send(.get, "\(program.path)/leaderboards/members/\(query)", key: program.readKey)
            }
        }
        return answers
    }

    static func boardExists(_ app: TestApp, program: String, period: String) async throws -> Bool {
        try await RedisNamespace.send(["EXISTS", "\(app.namespace)/lb/{\(program)}/m/\(period)"], redisURL: app.redisURL).int == 1
    }

    @Test func pastPeriodsFromPostgreSQLMatchTheBoardsRedisWouldHold() async throws {
        try await TestDatabase.withFresh { database in
            let (program, expected) = try await TestApp.run(database: database, retention: Self.everything) { app in
                let program = try await app.createProgram(timezone: "UTC", backfillDays: 800)
                for (id, team, region, visibility) in [("ana", "Sales", "Lyon", "public"), ("ben", "Sales", "Paris", "public"),
                                                       ("cid", "R&D", "Lyon", "anonymous"), ("hid", "Sales", "Lyon", "hidden"),
                                                       ("dan", "R&D", "Paris", "public")] {
                    try requireStatus(try await program.putMember(id, MemberInput(displayName: id.capitalized, team: team, region: region,
                                                                                  visibility: visibility)), .created)
                }
                // One at a time, so that who reached a total first is clear on both paths.
                for (index, (member, action, days)) in [("ana", "post", 100), ("ben", "post", 100), ("cid", "share", 100), ("hid", "post", 100),
                                                        ("dan", "comment", 100), ("dan", "post", 99), ("ben", "like", 99), ("ana", "share", 99),
                                                        ("ana", "post", 400), ("cid", "post", 400), ("dan", "share", 400), ("dan", "post", 700), ("ben", "share", 0)].enumerated() {
                    try await program.record(EventInput(id: "e\(index)", memberId: member, action: action, occurredAt: Self.day(days).noon))
                }
                #expect(try await Self.boardExists(app, program: program.id, period: Self.day(100).key))
                return (program, try await Self.boards(program))
            }
            // Hand-checked: the old day's board, anonymous and hidden members as everywhere.
            let day100 = try decode(BoardDTO.self, from: try #require(expected["period=day&at=\(Self.day(100).key)&limit=100"]))
            #expect(day100.standings == [Standing(1, "ana", 25), Standing(1, "ben", 25), Standing(3, nil, 10), Standing(4, "dan", 5)])

            try await TestApp.run(database: database) { app in
                let again = TestProgram(app: app, id: program.id, adminKey: program.adminKey, ingestKey: program.ingestKey, readKey: program.readKey)
                // The start-up rebuild left the old boards out of Redis, and the current ones in.
                #expect(try await !Self.boardExists(app, program: program.id, period: Self.day(100).key))
                #expect(try await Self.boardExists(app, program: program.id, period: Self.day(0).key))
                let answers = try await Self.boards(again)
                for query in Self.queries() {
                    let (before, now) = (try #require(expected[query]), try #require(answers[query]))
                    #expect(now.status == .ok && before.status == .ok, "\(query)")
                    #expect(try decode(BoardDTO.self, from: now) == decode(BoardDTO.self, from: before), "\(query)")
                }
                for (query, before) in expected where query.hasPrefix("around/") {
                    let now = try #require(answers[query])
                    #expect(now.status == before.status, "\(query)")
                    if before.status == .ok { #expect(try decode(BoardDTO.self, from: now) == decode(BoardDTO.self, from: before), "\(query)") }
                }
                // A backfilled event reaches the old boards through PostgreSQL only.
                try await again.record(EventInput(id: "late", memberId: "dan", action: "post", occurredAt: Self.day(100).noon))
                #expect(try await !Self.boardExists(app, program: program.id, period: Self.day(100).key))
                // (The same page as read above: what this instance cached of it is dropped.)
                #expect(try await again.board(period: "day", at: Self.day(100).key, limit: 100).standings
                    == [Standing(1, "dan", 30), Standing(2, "ana", 25), Standing(2, "ben", 25), Standing(4, nil, 10)])
            }
        }
    }
}
