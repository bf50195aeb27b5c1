import Foundation
import Postgres
import RallyCore
import RallyStorage

/// The time a member board covers: a tracked period, or a window of whole local days (`rolling`, `range`).
public enum BoardSpan: Sendable {
    case period(Period)
    case window(Period, first: CivilDate, last: CivilDate)

    public var period: Period {
        switch self {
        case let .period(period), let .window(period, _, _): period
        }
    }
}

extension Leaderboards {
    /// One page of a member board of `scope`: from Redis while it keeps the span's boards (`retention`), otherwise
    /// computed from PostgreSQL, with the same ranks and the same order among ties.
    public func page(program: ProgramContext, scope: BoardScope = .program, span: BoardSpan, offset: Int, limit: Int) async throws -> LeaderboardPage {
        switch source(of: span, program: program, scope: scope) {
        case let .redis(period):
            return try await page(program: program.id, scope: scope, period: period, offset: offset, limit: limit)
        case let .redisDays(window, days):
            return try await windowPage(program: program.id, scope: scope, window: window, days: days, offset: offset, limit: limit)
        case let .postgres(days):
            let key = BoardPage(board: Board(program: program.id, scope: scope, span: Board.Span(span.period)), offset: offset, limit: limit)
            return try await archive.value(for: key) { [self] in
                let (total, entries) = try await postgres.withConnection {
                    try MemberTotals.page(program: program.id, scope: scope, days: days, offset: offset, limit: limit, on: $0)
                }
                // The statement ranks every member of the board.
                return (LeaderboardPage(period: span.period, total: total, entries: entries, revision: nextRevision()), total)
            }
        }
    }

    /// The page of a member board around a member, `radius` entries either side (fewer above near the top; its
    /// `offset` says where it starts), and its size; nil when the member is not on the board.
    public func around(program: ProgramContext, scope: BoardScope = .program, span: BoardSpan, memberId: String, radius: Int) async throws
        -> (page: LeaderboardPage, limit: Int)?
    {
        if case let .redis(period) = source(of: span, program: program, scope: scope) {
            return try await around(program: program.id, scope: scope, period: period, memberId: memberId, radius: radius)
        }
        guard let position = try await position(program: program, scope: scope, span: span, memberId: memberId) else { return nil }
        let offset = max(0, position - radius), limit = position + radius + 1 - offset
        var page = try await page(program: program, scope: scope, span: span, offset: offset, limit: limit)
        page.offset = offset
        return (page, limit)
    }

    /// A member's place on a member board and the next place up (what the leaderboard page pins for its viewer); nil when
    /// the member is not on the board. From Redis in one round trip; elsewhere, the member's entry and the entry of the
    /// last member with more points (at position rank − 2: the ranks are competition ranks).
    public func place(program: ProgramContext, scope: BoardScope = .program, span: BoardSpan, memberId: String) async throws -> MemberPlace? {
        if case let .redis(period) = source(of: span, program: program, scope: scope) {
            return try await place(program: program.id, scope: scope, period: period, memberId: memberId)
        }
        guard let position = try await position(program: program, scope: scope, span: span, memberId: memberId),
              let entry = try await page(program: program, scope: scope, span: span, offset: position, limit: 1).entries.first else { return nil }
        let next = entry.rank > 1 ? try await page(program: program, scope: scope, span: span, offset: entry.rank - 2, limit: 1).entries.first : nil
        return MemberPlace(entry: entry, next: next.map { MemberPlace.Standing(rank: $0.rank, points: $0.points) })
    }

    /// The 0-based position of a member on a member board, or nil when they are not on it.
    public func position(program: ProgramContext, scope: BoardScope = .program, span: BoardSpan, memberId: String) async throws -> Int? {
        switch source(of: span, program: program, scope: scope) {
        case let .redis(period):
            return try await position(program: program.id, scope: scope, period: period, memberId: memberId)
        case let .redisDays(window, days):
            return try await windowPosition(program: program.id, scope: scope, window: window, days: days, memberId: memberId)
        case let .postgres(days):
            return try await postgres.withConnection { try MemberTotals.position(program: program.id, scope: scope, days: days, memberId: memberId, on: $0) }
        }
    }

    /// A member's points over each of `periods` (0 where they have none), from PostgreSQL; and their competition rank on
    /// each period's board where they have points and `ranked` holds (nil elsewhere, or when Redis cannot answer: the
    /// member's page still shows their points, as the profile does; the profile's own read marks the projection stale).
    public func standings(program: ProgramContext, memberId: String, periods: [Period], ranked: Bool) async throws -> [(points: Int64, rank: Int?)] {
        let points = try await postgres.withConnection { try MemberTotals.points(program: program, memberId: memberId, periods: periods, on: $0) }
        let asked = zip(periods, points).filter { ranked && $0.1 > 0 }
        let found = (try? await ranks(program: program.id, standings: asked.map { ($0.0, $0.1) })) ?? []
        var ranks = found.makeIterator()
        return points.map { points in (points, ranked && points > 0 ? ranks.next() ?? nil : nil) }
    }

    /// A number that moves whenever a member's points on the board's period change (the period's tie-break sequence, over
    /// every scope): a board further down than its first page may have changed when it moves. Nil for boards read from
    /// PostgreSQL, and before the period's first points.
    public func changeCount(program: ProgramContext, scope: BoardScope = .program, span: BoardSpan) async throws -> Int? {
        let period: String
        switch source(of: span, program: program, scope: scope) {
        case let .redis(kept): period = kept.key
        case let .redisDays(_, days): guard let last = days.last else { return nil }; period = last
        case .postgres: return nil
        }
        return try await redis.send(["GET", keys.sequence(program: program.id, period: period)]).string.flatMap { Int($0) }
    }

    private enum Source {
        /// The period's own board.
        case redis(Period)
        /// The window's day boards (`YYYY-MM-DD`), summed.
        case redisDays(Period, [String])
        case postgres(MemberTotals.DayRange)
    }

    private func source(of span: BoardSpan, program: ProgramContext, scope: BoardScope) -> Source {
        let calendar = program.calendar
        let today = calendar.localDate(of: Date())
        // Campaign boards are always computed from PostgreSQL: Redis holds none.
        let inRedis = if case .campaign = scope { false } else { true }
        switch span {
        case let .period(period):
            guard let start = period.start, let end = period.end else {
                return inRedis ? .redis(period) : .postgres(MemberTotals.DayRange(first: "-infinity", end: "infinity", tiesByReached: true))
            }
            let first = calendar.localDate(of: start)
            if inRedis, retention.keeps(period.kind, startingOn: first, today: today) { return .redis(period) }
            return .postgres(MemberTotals.DayRange(first: PeriodCalendar.dayKey(first), end: PeriodCalendar.dayKey(calendar.localDate(of: end)),
                                                   tiesByReached: true))
        case let .window(window, first, last):
            if inRedis, let kept = retention.firstKeptDay(.day, today: today), first.daysSinceEpoch >= kept.daysSinceEpoch {
                return .redisDays(window, (first.daysSinceEpoch...last.daysSinceEpoch).map { PeriodCalendar.dayKey(CivilDate(daysSinceEpoch: $0)) })
            }
            return .postgres(MemberTotals.DayRange(first: PeriodCalendar.dayKey(first),
                                                   end: PeriodCalendar.dayKey(CivilDate(daysSinceEpoch: last.daysSinceEpoch + 1)), tiesByReached: false))
        }
    }
}
