import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Leaderboards")
struct LeaderboardTests {
    /// A 25, B 10, C 10, D 5, with D scoring first and B reaching 10 before C.
    /// Ids are chosen so that ordering ties by member id (either way) cannot pass for ordering by time: `m-b` < `m-c` but `m-c` < `m-d`.
    static func recordTies(_ program: TestProgram, occurredAt: String? = Timestamp.rfc3339(Timestamp.now())) async throws {
        try await program.addMembers(["m-a", "m-c", "m-b", "m-d"])
        try await program.record(EventInput(id: "d1", memberId: "m-d", action: "comment", occurredAt: occurredAt))
        try await program.record(EventInput(id: "a1", memberId: "m-a", action: "post", occurredAt: occurredAt))
        try await program.record(EventInput(id: "b1", memberId: "m-b", action: "share", occurredAt: occurredAt))
        try await program.record(EventInput(id: "c1", memberId: "m-c", action: "share", occurredAt: occurredAt))
    }

    static let tiedStandings = [Standing(1, "m-a", 25), Standing(2, "m-b", 10), Standing(2, "m-c", 10), Standing(4, "m-d", 5)]

    @Test func tiesShareACompetitionRankAndListWhoReachedTheScoreFirst() async throws {
        try await TestApp.run { app in
            for period in ["day", "week", "month"] {
                let program = try await app.createProgram()
                try await Self.recordTies(program)
                let board = try await program.board(period: period)
                #expect(board.standings == Self.tiedStandings)
                #expect(board.total == 4)
                #expect(board.entries.map(\.displayName) == ["M-A", "M-B", "M-C", "M-D"])
                #expect(try await program.profile("m-c").ranks == RanksDTO(week: 2, month: 2, all: 2))
                #expect(try await program.profile("m-d").ranks == RanksDTO(week: 4, month: 4, all: 4))
            }
        }
    }

    /// A board read again after new events shows them at once: cached pages and their JSON live only until the board changes.
    @Test func aBoardReadAgainAfterNewEventsIsExact() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["m-a", "m-b"])
            try await program.record(EventInput(id: "a1", memberId: "m-a", action: "share"))
            for _ in 0..<3 { #expect(try await program.board(period: "week").standings == [Standing(1, "m-a", 10)]) }
            try await program.record(EventInput(id: "b1", memberId: "m-b", action: "post"))
            #expect(try await program.board(period: "week").standings == [Standing(1, "m-b", 25), Standing(2, "m-a", 10)])
            try await program.record(EventInput(id: "a2", memberId: "m-a", action: "post"))
            #expect(try await program.board(period: "week").standings == [Standing(1, "m-a", 35), Standing(2, "m-b", 25)])
        }
    }

    /// The all-time board keeps the tie order too.
    @Test func tiesOnTheAllTimeBoardListWhoReachedTheScoreFirst() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.recordTies(program)
            let board = try await program.board(period: "all")
            #expect(board.total == 4)
            #expect(board.standings.map(\.rank) == [1, 2, 2, 4])
            #expect(board.standings == Self.tiedStandings, "m-b reached 10 points before m-c")
        }
    }

    /// Events sent today about a past period still rank, among equals, by who reached the score first.
    @Test func backfilledTiesListWhoReachedTheScoreFirst() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(backfillDays: 3660)
            try await Self.recordTies(program, occurredAt: "2024-02-15T12:00:00+01:00")
            for period in ["day", "week", "month"] {
                let board = try await program.board(period: period, at: "2024-02-15")
                #expect(board.standings.map(\.rank) == [1, 2, 2, 4], "\(period)")
                #expect(board.standings == Self.tiedStandings, "\(period): m-b reached 10 points before m-c")
            }
        }
    }

    @Test func pastPeriodsAreChosenWithAt() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "Europe/Paris", backfillDays: 3660)
            try await program.addMembers(["ana", "ben"])
            try await program.record(EventInput(id: "old", memberId: "ana", action: "share", occurredAt: "2024-02-15T12:00:00+01:00"))
            try await program.record(EventInput(id: "new", memberId: "ben", action: "post"))

            let day = try await program.board(period: "day", at: "2024-02-15")
            #expect(day.period == PeriodDTO(kind: "day", key: "2024-02-15", start: "2024-02-15T00:00:00+01:00", end: "2024-02-16T00:00:00+01:00"))
            #expect(day.standings == [Standing(1, "ana", 10)])
            #expect(day.total == 1)
            #expect(try await program.board(period: "day", at: "2024-02-16").standings == [])
            #expect(try await program.board(period: "day", at: "2024-02-14").total == 0)

            let week = try await program.board(period: "week", at: "2024-02-18")
            #expect(week.period == PeriodDTO(kind: "week", key: "2024-W07", start: "2024-02-12T00:00:00+01:00", end: "2024-02-19T00:00:00+01:00"))
            #expect(week.standings == [Standing(1, "ana", 10)])
            #expect(try await program.board(period: "week", at: "2024-02-19").total == 0)

            let month = try await program.board(period: "month", at: "2024-02-29")
            #expect(month.period == PeriodDTO(kind: "month", key: "2024-02", start: "2024-02-01T00:00:00+01:00", end: "2024-03-01T00:00:00+01:00"))
            #expect(month.standings == [Standing(1, "ana", 10)])
            #expect(try await program.board(period: "month", at: "2024-03-01").total == 0)

            // An RFC 3339 instant picks the period too.
            #expect(try await program.board(period: "day", at: "2024-02-15T23:30:00Z").period.key == "2024-02-16")
            #expect(try await program.board(period: "day", at: "2024-02-15T23:30:00%2B01:00").period.key == "2024-02-15")

            let all = try await program.board(period: "all")
            #expect(all.period == PeriodDTO(kind: "all", key: "all", start: nil, end: nil))
            #expect(all.standings == [Standing(1, "ben", 25), Standing(2, "ana", 10)])
            let raw = try jsonObject(try await program.boardResponse(period: "all"))
            #expect((raw["period"] as? [String: Any])?["start"] is NSNull)

            // Today's boards only hold today's event.
            for period in ["day", "week", "month"] {
                #expect(try await program.board(period: period).standings == [Standing(1, "ben", 25)], "\(period)")
            }
            #expect(try await program.profile("ana").points == PointsDTO(lifetime: 10, week: 0, month: 0, balance: 10))
        }
    }

    @Test func eventOfThePreviousWeekIsOnThatWeeksBoardOnly() async throws {
        try await TestApp.run { app in
            let zone = TimeZone(identifier: "Europe/Paris")!
            let program = try await app.createProgram(timezone: zone.identifier)
            try await program.addMembers(["ana", "ben"])
            let now = Timestamp.now()
            let lastWeek = now.addingTimeInterval(-7 * 86_400)
            try await program.record(EventInput(id: "last-week", memberId: "ana", action: "share", occurredAt: Timestamp.rfc3339(lastWeek)))
            try await program.record(EventInput(id: "this-week", memberId: "ben", action: "comment", occurredAt: Timestamp.rfc3339(now)))

            let then = try await program.board(period: "week", at: Timestamp.localDate(lastWeek, in: zone))
            #expect(then.period.key == Timestamp.isoWeekKey(lastWeek, in: zone))
            #expect(then.standings == [Standing(1, "ana", 10)])

            let current = try await program.board(period: "week")
            #expect(current.period.key == Timestamp.isoWeekKey(now, in: zone))
            #expect(current.standings == [Standing(1, "ben", 5)])
            // Monday 00:00 local time to the next Monday.
            let start = try #require(current.period.start.flatMap(Timestamp.parse))
            let end = try #require(current.period.end.flatMap(Timestamp.parse))
            var calendar = Calendar(identifier: .iso8601)
            calendar.timeZone = zone
            #expect(calendar.dateInterval(of: .weekOfYear, for: now) == DateInterval(start: start, end: end))

            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 10), Standing(2, "ben", 5)])
            let ana = try await program.profile("ana")
            #expect(ana.points.lifetime == 10)
            #expect(ana.points.week == 0)
            #expect(ana.ranks.week == nil)
        }
    }

    /// 2025-03-09T12:00Z is Sunday 13:00 in Paris (week 10) but Monday 01:00 in Auckland (week 11).
    @Test func theProgramsTimeZoneDecidesTheDayAndWeek() async throws {
        try await TestApp.run { app in
            let paris = try await app.createProgram(timezone: "Europe/Paris", backfillDays: 3660)
            let auckland = try await app.createProgram(timezone: "Pacific/Auckland", backfillDays: 3660)
            for program in [paris, auckland] {
                try await program.addMembers(["ana"])
                try await program.record(EventInput(id: "e1", memberId: "ana", action: "share", occurredAt: "2025-03-09T12:00:00Z"))
            }

            let parisDay = try await paris.board(period: "day", at: "2025-03-09")
            #expect(parisDay.period == PeriodDTO(kind: "day", key: "2025-03-09", start: "2025-03-09T00:00:00+01:00", end: "2025-03-10T00:00:00+01:00"))
            #expect(parisDay.standings == [Standing(1, "ana", 10)])
            #expect(try await paris.board(period: "day", at: "2025-03-10").total == 0)
            let parisWeek = try await paris.board(period: "week", at: "2025-03-09")
            #expect(parisWeek.period.key == "2025-W10")
            #expect(parisWeek.standings == [Standing(1, "ana", 10)])
            #expect(try await paris.board(period: "week", at: "2025-03-10").total == 0)

            let aucklandDay = try await auckland.board(period: "day", at: "2025-03-10")
            #expect(aucklandDay.period == PeriodDTO(kind: "day", key: "2025-03-10", start: "2025-03-10T00:00:00+13:00",
                                                     end: "2025-03-11T00:00:00+13:00"))
            #expect(aucklandDay.standings == [Standing(1, "ana", 10)])
            #expect(try await auckland.board(period: "day", at: "2025-03-09").total == 0)
            let aucklandWeek = try await auckland.board(period: "week", at: "2025-03-10")
            #expect(aucklandWeek.period == PeriodDTO(kind: "week", key: "2025-W11", start: "2025-03-10T00:00:00+13:00",
                                                      end: "2025-03-17T00:00:00+13:00"))
            #expect(aucklandWeek.standings == [Standing(1, "ana", 10)])
            #expect(try await auckland.board(period: "week", at: "2025-03-09").total == 0)

            // The ledger writes the instant in each program's zone.
            #expect(try await paris.ledgerPage("ana").entries.map(\.occurredAt) == ["2025-03-09T13:00:00+01:00"])
            #expect(try await auckland.ledgerPage("ana").entries.map(\.occurredAt) == ["2025-03-10T01:00:00+13:00"])
        }
    }

    @Test func pagesWithLimitOffsetAndTotal() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await Self.recordTies(program)
            let first = try await program.board(period: "week", limit: 2)
            #expect(first.standings == Array(Self.tiedStandings[0..<2]))
            #expect((first.total, first.offset, first.limit) == (4, 0, 2))
            // A page that starts inside a tie keeps the shared rank.
            let second = try await program.board(period: "week", limit: 2, offset: 2)
            #expect(second.standings.map(\.rank) == [2, 4])
            #expect((second.total, second.offset, second.limit) == (4, 2, 2))
            let middle = try await program.board(period: "week", limit: 1, offset: 1)
            #expect(middle.standings == [Standing(2, "m-b", 10)])
            #expect(second.standings == Array(Self.tiedStandings[2..<4]))
            let past = try await program.board(period: "week", limit: 2, offset: 4)
            #expect(past.entries.isEmpty)
            #expect(past.total == 4)
            // Defaults: the first 10 of this week.
            let defaults = try await program.board()
            #expect((defaults.period.kind, defaults.offset, defaults.limit, defaults.total) == ("week", 0, 10, 4))
            // Values left empty count as absent.
            let empty = try decode(BoardDTO.self, from: try await app.send(.get, "\(program.path)/leaderboards/members?period=&at=&limit=&offset=",
                                                                           key: program.readKey))
            #expect(empty == defaults)
        }
    }

    @Test func invalidBoardQueryIsNamed() async throws {
        try await TestApp.run { app in
            for query in ["limit=0", "limit=101", "limit=ten", "offset=-1", "period=fortnight", "at=yesterday", "at=2026-02-30"] {
                let program = try await app.createProgram()
                let field = String(query.prefix { $0 != "=" })
                let response = try await app.send(.get, "\(program.path)/leaderboards/members?\(query)", key: program.readKey)
                try expectError(response, .unprocessableContent, code: "validation_failed", fields: [field])
            }
        }
    }

    @Test func aroundAMemberShowsTheirNeighbours() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["m1", "m2", "m3", "m4", "m5"])
            try await program.record(EventInput(id: "e1", memberId: "m1", action: "post"))
            try await program.record(EventInput(id: "e2", memberId: "m1", action: "share"))
            try await program.record(EventInput(id: "e3", memberId: "m2", action: "post"))
            try await program.record(EventInput(id: "e4", memberId: "m3", action: "share"))
            try await program.record(EventInput(id: "e5", memberId: "m4", action: "comment"))
            try await program.record(EventInput(id: "e6", memberId: "m5", action: "like"))

            func around(_ member: String, _ query: String) async throws -> BoardDTO {
                let response = try await app.send(.get, "\(program.path)/leaderboards/members/around/\(member)?\(query)", key: program.readKey)
                try requireStatus(response, .ok)
                return try decode(BoardDTO.self, from: response)
            }
            let middle = try await around("m3", "period=week&radius=1")
            #expect(middle.standings == [Standing(2, "m2", 25), Standing(3, "m3", 10), Standing(4, "m4", 5)])
            #expect((middle.total, middle.offset, middle.limit) == (5, 1, 3))
            let top = try await around("m1", "period=all&radius=2")
            #expect(top.standings == [Standing(1, "m1", 35), Standing(2, "m2", 25), Standing(3, "m3", 10)])
            #expect(top.offset == 0)
            let bottom = try await around("m5", "period=month")
            #expect(bottom.standings == [Standing(3, "m3", 10), Standing(4, "m4", 5), Standing(5, "m5", 1)])
            #expect(bottom.period.kind == "month")

            try expectError(try await app.send(.get, "\(program.path)/leaderboards/members/around/nobody", key: program.readKey),
                            .notFound, code: "not_found")
            try expectError(try await app.send(.get, "\(program.path)/leaderboards/members/around/m3?radius=51", key: program.readKey),
                            .unprocessableContent, code: "validation_failed", fields: ["radius"])
        }
    }

    @Test func hiddenMemberIsScoredButNotListed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try requireStatus(try await program.putMember("hid", MemberInput(displayName: "Hidden", visibility: "hidden")), .created)
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "share"))
            let hidden = try await program.record(EventInput(id: "e2", memberId: "hid", action: "post"))
            #expect(hidden.points == 25)
            #expect(hidden.member == MemberStandingDTO(points: PointsDTO(lifetime: 25, week: 25, month: 25), ranks: RanksDTO(week: nil, month: nil, all: nil)))

            for period in ["day", "week", "month", "all"] {
                let board = try await program.board(period: period)
                #expect(board.standings == [Standing(1, "ana", 10)], "\(period)")
                #expect(board.total == 1, "\(period)")
            }
            let profile = try await program.profile("hid")
            #expect(profile.points == PointsDTO(lifetime: 25, week: 25, month: 25, balance: 25))
            #expect(profile.ranks == RanksDTO(week: nil, month: nil, all: nil))
            #expect(try await program.profile("ana").ranks == RanksDTO(week: 1, month: 1, all: 1))
            try expectError(try await app.send(.get, "\(program.path)/leaderboards/members/around/hid", key: program.readKey),
                            .notFound, code: "not_found")

            // Made public, they are listed with the points they had; hidden again, they leave.
            try requireStatus(try await program.putMember("hid", MemberInput(displayName: "Hidden", visibility: "public")), .ok)
            #expect(try await program.board(period: "all").standings == [Standing(1, "hid", 25), Standing(2, "ana", 10)])
            #expect(try await program.profile("hid").ranks == RanksDTO(week: 1, month: 1, all: 1))
            try requireStatus(try await program.putMember("hid", MemberInput(displayName: "Hidden", visibility: "hidden")), .ok)
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", 10)])
            #expect(try await program.board(period: "week").total == 1)
        }
    }

    @Test func anonymousMemberIsRankedWithoutNameOrId() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales")), .created)
            try requireStatus(try await program.putMember("anon", MemberInput(displayName: "Secret Name", team: "Sales", visibility: "anonymous")),
                              .created)
            try await program.record(EventInput(id: "e1", memberId: "anon", action: "post"))
            try await program.record(EventInput(id: "e2", memberId: "ana", action: "share"))

            let response = try await program.boardResponse(period: "week")
            try requireStatus(response, .ok)
            let board = try decode(BoardDTO.self, from: response)
            #expect(board.standings == [Standing(1, nil, 25), Standing(2, "ana", 10)])
            #expect(board.entries.map(\.displayName) == [nil, "Ana"])
            #expect(!text(response).contains("Secret Name"))
            #expect(!text(response).contains("anon\""))
            let first = try #require((try jsonObject(response)["entries"] as? [[String: Any]])?.first)
            #expect(first["memberId"] is NSNull)
            #expect(first["displayName"] is NSNull)

            // Still ranked on their own profile.
            #expect(try await program.profile("anon").ranks == RanksDTO(week: 1, month: 1, all: 1))
            #expect(try await program.profile("ana").ranks == RanksDTO(week: 2, month: 2, all: 2))
        }
    }

    @Test func profileChangesShowOnTheBoard() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales")), .created)
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "share"))
            #expect(try await program.board().entries == [BoardEntryDTO(rank: 1, memberId: "ana", displayName: "Ana", team: "Sales", points: 10)])
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana M.", team: "Marketing")), .ok)
            #expect(try await program.board().entries == [BoardEntryDTO(rank: 1, memberId: "ana", displayName: "Ana M.", team: "Marketing", points: 10)])
        }
    }
}
