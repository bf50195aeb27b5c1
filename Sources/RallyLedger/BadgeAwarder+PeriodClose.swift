import Foundation
import Postgres
import RallyCore
import RallyStorage

/// Periods closing in a program's zone: rank badges given from the final standings, `leaderboard.closed` announced.
extension BadgeAwarder {
    /// The periods a close is looked for, at most this many back from the last one that ended (a long outage).
    static let closesLookedBack = 31

    /// Closes, oldest first, every period that ended since the program's first rank badge or `leaderboard.closed`
    /// webhook and was not closed yet (`period_closes` records each close in the transaction that gives its awards, so
    /// a restart neither skips nor repeats one).
    func closeEndedPeriods(now: Date = Date(), program only: String? = nil) async throws {
        let rows = try await postgres.query("""
            SELECT program_id, extract(epoch FROM min(since)) AS since, bool_or(webhook) AS webhook
            FROM (SELECT program_id, created_at AS since, false AS webhook FROM badges
                  WHERE deleted_at IS NULL AND document->'criteria'->>'type' = 'rank'
                  UNION ALL
                  SELECT program_id, created_at, true FROM webhooks WHERE deleted_at IS NULL AND 'leaderboard.closed' = ANY(events)) s
            WHERE $1::text IS NULL OR program_id = $1
            GROUP BY program_id
            """, [only])
        for row in rows {
            let program = try await programs.fresh(try row.string("program_id"))
            let since = Date(timeIntervalSince1970: try row.double("since"))
            var kinds = Set(program.badges.compactMap { if case let .rank(kind, _) = $0.criteria { kind } else { nil } })
            if try row.bool("webhook") { kinds.formUnion(PeriodKind.tracked.filter { $0 != .all }) }
            for kind in PeriodKind.tracked where kinds.contains(kind) {
                for period in try await unclosedPeriods(kind, program: program, since: since, now: now) {
                    try await close(period, program: program, now: now)
                }
            }
        }
    }

    /// The periods of `kind` that ended after `since` and have no close yet, oldest first.
    private func unclosedPeriods(_ kind: PeriodKind, program: ProgramContext, since: Date, now: Date) async throws -> [Period] {
        var ended: [Period] = []
        var instant = program.calendar.period(kind, containing: now).start ?? now
        while ended.count < Self.closesLookedBack {
            let period = program.calendar.period(kind, containing: instant.addingTimeInterval(-1))
            guard let end = period.end, end > since, let start = period.start else { break }
            ended.append(period)
            instant = start
        }
        guard !ended.isEmpty else { return [] }
        let closed = Set(try await postgres.query("SELECT period_key FROM period_closes WHERE program_id = $1 AND kind = $2 AND period_key = ANY($3::text[])",
                                                  [program.id, kind.rawValue, PostgresArray.literal(ended.map(\.key))]).map { try $0.string("period_key") })
        return ended.filter { !closed.contains($0.key) }.reversed()
    }

    /// Closes one period in one transaction: records the close (or finds another instance did), reads the final
    /// standings, gives each rank badge of the period's kind defined before it ended to the members at or above its
    /// places (ties share a place: a tie for 3rd with `top: 3` gives both), and queues the notifications.
    private func close(_ period: Period, program: ProgramContext, now: Date) async throws {
        let awarded = try await postgres.transaction { connection -> Int? in
            guard try connection.query("""
                INSERT INTO period_closes (program_id, kind, period_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1
                """, [program.id, period.kind.rawValue, period.key]).count == 1 else { return nil }
            let standings = try Self.finalStandings(period, program: program, on: connection)
            let badges = try connection.query("""
                SELECT badge_id FROM badges WHERE program_id = $1 AND deleted_at IS NULL AND created_at < to_timestamp($2::float8)
                """, [program.id, String(period.end?.timeIntervalSince1970 ?? 0)]).map { try $0.string("badge_id") }
            var awards: [AwardToRecord] = []
            for badge in program.badges where badges.contains(badge.id) {
                guard case let .rank(kind, scope) = badge.criteria, kind == period.kind else { continue }
                for entry in standings.ranked(by: scope) {
                    awards += badge.newAwards(value: Int64(entry.rank), held: [], period: period.key)
                        .map { AwardToRecord(member: MemberRef(program: program.id, id: entry.memberId), key: $0, eventId: nil) }
                }
            }
            let recorded = try BadgeAwardRows.record(awards, now: now, on: connection)
            let subscribed = try WebhookStore.subscribed(program: program.id, on: connection)
            var notifications: [WebhookNotification] = []
            if subscribed.contains(.badgeAwarded) {
                notifications = recorded.map { .badgeAwarded($0, name: program.badgeName($0.key.badgeId), at: now, timeZone: program.timeZone) }
            }
            if subscribed.contains(.leaderboardClosed) { notifications.append(Self.closedNotification(period, program: program, standings: standings)) }
            try WebhookStore.enqueue(notifications, on: connection)
            return recorded.count
        }
        guard let awarded else { return }
        self.awarded.increment(by: awarded)
        logger.info("period closed", metadata: ["program": "\(program.id)", "period": "\(period.key)", "awards": "\(awarded)"])
    }

    /// The period's points of every ranked member with points, best first (ties by who reached their total first).
    static func finalStandings(_ period: Period, program: ProgramContext, on connection: PostgresConnection) throws -> FinalStandings {
        guard let start = period.start, let end = period.end else { return FinalStandings(entries: []) }
        let calendar = program.calendar
        let rows = try connection.query("""
            SELECT m.member_id, m.team, m.region, m.visibility, m.display_name, sum(d.points) AS points
            FROM member_days d JOIN members m ON m.program_id = d.program_id AND m.member_id = d.member_id
            WHERE d.program_id = $1 AND d.day >= $2::date AND d.day < $3::date AND \(MemberSnapshot.rankedCondition("m"))
            GROUP BY m.program_id, m.member_id HAVING sum(d.points) > 0
            ORDER BY sum(d.points) DESC, max(d.reached_at), m.member_id
            """, [program.id, PeriodCalendar.dayKey(calendar.localDate(of: start)), PeriodCalendar.dayKey(calendar.localDate(of: end))])
        return FinalStandings(entries: try rows.map { row in
            FinalStandings.Entry(memberId: try row.string("member_id"), team: row.optionalString("team"), region: row.optionalString("region"),
                                 anonymous: try row.string("visibility") == Visibility.anonymous.rawValue,
                                 displayName: row.optionalString("display_name"), points: try row.int64("points"))
        })
    }

    /// `leaderboard.closed`: the period, how many were ranked, and the first ten of the program's board.
    static func closedNotification(_ period: Period, program: ProgramContext, standings: FinalStandings) -> WebhookNotification {
        let zone = program.timeZone
        let top = standings.ranked(by: .program).prefix(10).map { entry -> JSONValue in
            .object(["rank": .integer(Int64(entry.rank)), "memberId": entry.anonymous ? .null : .string(entry.memberId),
                     "displayName": entry.anonymous ? .null : entry.displayName.map(JSONValue.string) ?? .null, "points": .integer(entry.points)])
        }
        return WebhookNotification(program: program.id, type: .leaderboardClosed, data: .object([
            "period": .object(["kind": .string(period.kind.rawValue), "key": .string(period.key),
                               "start": period.start.map { .string(RFC3339.format($0, in: zone)) } ?? .null,
                               "end": period.end.map { .string(RFC3339.format($0, in: zone)) } ?? .null]),
            "total": .integer(Int64(standings.entries.count)), "entries": .array(Array(top)),
        ]))
    }
}

/// A closed period's standings: every ranked member with points, best first.
struct FinalStandings {
    struct Entry {
        var memberId: String
        var team: String?
        var region: String?
        var anonymous: Bool
        var displayName: String?
        var points: Int64
    }

    var entries: [Entry]

    /// Competition ranks on the program's board, or within each team's (region's): members without one are not ranked
    /// on such boards.
    func ranked(by scope: RankScope) -> [(rank: Int, memberId: String, anonymous: Bool, displayName: String?, points: Int64)] {
        let groups: [String: [Entry]]
        switch scope {
        case .program: groups = ["": entries]
        case .team: groups = Dictionary(grouping: entries.filter { $0.team != nil }) { $0.team ?? "" }
        case .region: groups = Dictionary(grouping: entries.filter { $0.region != nil }) { $0.region ?? "" }
        }
        return groups.keys.sorted().flatMap { key in
            let group = groups[key] ?? []
            let ranks = CompetitionRanking.ranks(sortedPoints: group.map(\.points), offset: 0, firstRank: 1)
            return zip(ranks, group).map { ($0, $1.memberId, $1.anonymous, $1.displayName, $1.points) }
        }
    }
}
