import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Every period's board, at its boundaries, in a zone with DST (Europe/Paris): which board an event lands on is decided by
/// the local time of `occurredAt`.
@Suite("Leaderboards: every period at its boundaries")
struct PeriodBoundaryTests {
    /// (event instant, the local period keys it must count on: day, week, month, quarter, year).
    static let cases: [(String, [String])] = [
        // Sunday 23:30 UTC the night DST began is Monday 01:30 in Paris: the next ISO week.
        ("2026-03-29T23:30:00Z", ["2026-03-30", "2026-W14", "2026-03", "2026-Q1", "2026"]),
        ("2026-03-29T21:30:00Z", ["2026-03-29", "2026-W13", "2026-03", "2026-Q1", "2026"]),
        // The last evening of a quarter: 23:30 in Paris is still Q3; 00:30 is Q4.
        ("2026-09-30T21:30:00Z", ["2026-09-30", "2026-W40", "2026-09", "2026-Q3", "2026"]),
        ("2026-09-30T22:30:00Z", ["2026-10-01", "2026-W40", "2026-10", "2026-Q4", "2026"]),
        // 29 February of a leap year, and the hour after it in Paris.
        ("2024-02-29T22:30:00Z", ["2024-02-29", "2024-W09", "2024-02", "2024-Q1", "2024"]),
        ("2024-02-29T23:30:00Z", ["2024-03-01", "2024-W09", "2024-03", "2024-Q1", "2024"]),
        // New Year's Eve in UTC is already the new year (and ISO week 1 of 2026) in Paris.
        ("2025-12-31T23:30:00Z", ["2026-01-01", "2026-W01", "2026-01", "2026-Q1", "2026"]),
        // 29 December 2025 is a Monday of ISO week 1 of 2026, yet in year 2025.
        ("2025-12-29T12:00:00Z", ["2025-12-29", "2026-W01", "2025-12", "2025-Q4", "2025"]),
    ]
    static let kinds = ["day", "week", "month", "quarter", "year"]

    @Test func eachEventCountsOnTheBoardsOfItsLocalPeriods() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "Europe/Paris", backfillDays: 3660)
            try await program.addMembers(["ana"])
            var expected: [String: Int64] = [:]
            for (index, (instant, keys)) in Self.cases.enumerated() {
                // Distinct points per case (a like is 1, a comment 5, a share 10, a post 25), so each board's sum names its events.
                let action = ["like", "comment", "share", "post"][index % 4]
                try await program.record(EventInput(id: "e\(index)", memberId: "ana", action: action, occurredAt: instant))
                for key in keys { expected[key, default: 0] += Int64(DefaultPoints.of(action)) }
                expected["all", default: 0] += Int64(DefaultPoints.of(action))
            }
            for (instant, keys) in Self.cases {
                for (kind, key) in zip(Self.kinds, keys) {
                    let board = try await program.board(period: kind, at: instant)
                    #expect(board.period.key == key, "\(kind) at \(instant)")
                    #expect(board.standings == [Standing(1, "ana", expected[key] ?? -1)], "\(kind) \(key)")
                }
            }
            #expect(try await program.board(period: "all").standings == [Standing(1, "ana", expected["all"] ?? -1)])
        }
    }

    @Test func quarterAndYearBoardsHaveTheirBounds() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "Europe/Paris", backfillDays: 3660)
            let quarter = try await program.board(period: "quarter", at: "2026-11-20")
            #expect(quarter.period == PeriodDTO(kind: "quarter", key: "2026-Q4", start: "2026-10-01T00:00:00+02:00", end: "2027-01-01T00:00:00+01:00"))
            let year = try await program.board(period: "year", at: "2026-11-20")
            #expect(year.period == PeriodDTO(kind: "year", key: "2026", start: "2026-01-01T00:00:00+01:00", end: "2027-01-01T00:00:00+01:00"))
        }
    }

    /// Ties on quarter and year boards list who reached the score first, after a rebuild too.
    @Test func quarterAndYearTiesSurviveARebuild() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(backfillDays: 3660)
            try await LeaderboardTests.recordTies(program)
            let before = [try await program.board(period: "quarter", limit: 100), try await program.board(period: "year", limit: 100)]
            #expect(before[0].standings == LeaderboardTests.tiedStandings)
            #expect(before[1].standings == LeaderboardTests.tiedStandings)
            try await RedisNamespace.delete(app.namespace, redisURL: app.redisURL)
            #expect(try await program.boardWhenReady(period: "quarter") == before[0])
            #expect(try await program.board(period: "year", limit: 100) == before[1])
        }
    }
}
