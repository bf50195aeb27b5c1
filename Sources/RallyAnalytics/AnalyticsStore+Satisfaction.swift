import Foundation
import Postgres
import RallyCore
import RallyStorage

/// A window's answers of one survey kind as counted once for every grouping: per team and region the member was in
/// when answering (nil for anonymous answers), ambassador or not, how many gave each score.
struct SatisfactionTally: Sendable {
    struct Row: Sendable {
        var team: String?
        var region: String?
        var ambassador: Bool
        var score: Int
        var count: Int
    }

    var rows: [Row]

    /// The answers split by `grouping` (nil: one group).
    func answers(_ grouping: AnalyticsGrouping?) -> SatisfactionAnswers {
        var groups: [String?: (ambassadors: [Int], others: [Int])] = [:]
        for row in rows {
            let group = switch grouping {
            case .team: row.team
            case .region: row.region
            case nil: String?.none
            }
            let scores = Array(repeating: row.score, count: row.count)
            if row.ambassador { groups[group, default: ([], [])].ambassadors += scores } else { groups[group, default: ([], [])].others += scores }
        }
        return SatisfactionAnswers(groups: groups.sortedByGroup().map { ($0.group, $0.value.ambassadors, $0.value.others) })
    }
}

extension AnalyticsStore {
    /// The answers of `kind` in the window (local days `range`): each member's latest, and every anonymous one, in the
    /// group the member was in when answering; ambassadors are members with a qualifying action in the window. Counted
    /// once for every grouping, and kept (`AnalyticsCache`); `recount`: counted again even when kept.
    public func satisfaction(program: ProgramContext, kind: SurveyKind, range: AnalyticsRange, grouping: AnalyticsGrouping?,
                             recount: Bool = false) async throws -> SatisfactionAnswers
    {
        let generations = activity.generations(of: program.id)
        let window = range.window(calendar: program.calendar)
        let ended = (window.end ?? .distantFuture) <= Date()
        let key = AnalyticsCache<SatisfactionTally>.Key(
            program: program.id, question: "satisfaction \(kind.rawValue) \(range.from)..\(range.to) \(program.settings.qualifyingActions) \(ended)")
        if !recount, let kept = satisfactions.value(for: key, ended: ended, months: range.monthIndices, generations: generations) { return kept.answers(grouping) }
        let started = ContinuousClock.now
        let tally = try await countAnswers(program: program, kind: kind, range: range)
        satisfactions.store(tally, for: key, ended: ended, generations: generations, cost: ContinuousClock.now - started,
                            size: tally.rows.reduce(0) { $0 + $1.count })
        return tally.answers(grouping)
    }

    /// Counts the last 30 and 90 days' answers of each kind ahead of HR (the default window, and the one of the eNPS
    /// gauge); a large program's counts stay in memory until the next preparation.
    func prepareSatisfaction(program: ProgramContext, now: Date) async throws {
        let today = program.calendar.localDate(of: now)
        for kind in SurveyKind.allCases {
            for days in [30, 90] {
                let range = AnalyticsRange(from: CivilDate(daysSinceEpoch: today.daysSinceEpoch - days + 1), to: today)
                _ = try await satisfaction(program: program, kind: kind, range: range, grouping: nil, recount: true)
            }
        }
    }

    private func countAnswers(program: ProgramContext, kind: SurveyKind, range: AnalyticsRange) async throws -> SatisfactionTally {
        let window = range.window(calendar: program.calendar)
        let rows: PostgresRows
        rows = try await report("""
            WITH answers AS (
                SELECT DISTINCT ON (member_id IS NULL, coalesce(member_id, response_id)) member_id, score, answered_at
                FROM survey_responses
                WHERE program_id = $1 AND kind = $2 AND answered_at >= $3 AND answered_at < $4
                ORDER BY member_id IS NULL, coalesce(member_id, response_id), answered_at DESC, response_id DESC
            )
            SELECT g.team, g.region,
                   a.member_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM member_activity x WHERE x.program_id = $1 AND x.member_id = a.member_id
                           AND x.day BETWEEN $5::date AND $6::date AND x.action = ANY($7::text[]) AND x.events > 0) AS ambassador,
                   a.score, count(*) AS responses
            FROM answers a
            LEFT JOIN LATERAL (\(Self.atInstant("h.team, h.region", of: "a", at: "a.answered_at", in: "member_enrolments"))) g ON true
            GROUP BY 1, 2, 3, 4
            """, [
                program.id, kind.rawValue, PostgresTimestamp.string(from: window.start ?? .distantPast),
                PostgresTimestamp.string(from: window.end ?? .distantFuture),
                PeriodCalendar.dayKey(range.from), PeriodCalendar.dayKey(range.to), PostgresArray.literal(program.settings.qualifyingActions),
            ])
        return SatisfactionTally(rows: try rows.map { row in
            SatisfactionTally.Row(team: row.optionalString("team"), region: row.optionalString("region"), ambassador: try row.bool("ambassador"),
                                  score: try row.int("score"), count: try row.int("responses"))
        })
    }
}
