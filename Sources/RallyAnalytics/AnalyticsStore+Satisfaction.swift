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
    /// once for every grouping, and kept (`AnalyticsCache`); a large window under way as the scheduler's leader prepared
    /// it, for every instance (`prepared_answers`). `recount`: counted again even when kept, and kept for every instance
    /// when large (what the preparation does).
    public func satisfaction(program: ProgramContext, kind: SurveyKind, range: AnalyticsRange, grouping: AnalyticsGrouping?,
                             recount: Bool = false) async throws -> SatisfactionAnswers
    {
        let generations = activity.generations(of: program.id)
        let window = range.window(calendar: program.calendar)
        let ended = (window.end ?? .distantFuture) <= Date()
        let key = AnalyticsCache<SatisfactionTally>.Key(
            program: program.id, question: "satisfaction \(kind.rawValue) \(range.from)..\(range.to) \(program.settings.qualifyingActions) \(ended)")
        if !recount {
            if let kept = satisfactions.value(for: key, ended: ended, months: range.monthIndices, generations: generations) { return kept.answers(grouping) }
            if !ended, let (tally, lifetime) = try await preparedTally(program: program, question: key.question) {
                satisfactions.storePrepared(tally, for: key, generations: generations, lifetime: lifetime)
                return tally.answers(grouping)
            }
        }
        let started = ContinuousClock.now
        let tally = try await countAnswers(program: program, kind: kind, range: range, preparing: recount && !ended ? key.question : nil)
        satisfactions.store(tally, for: key, ended: ended, generations: generations, cost: ContinuousClock.now - started,
                            size: tally.rows.reduce(0) { $0 + $1.count })
        return tally.answers(grouping)
    }

    /// Counts the last 30 and 90 days' answers of each kind ahead of HR (the default window, and the one of the eNPS
    /// gauge); a large program's counts are kept until the next preparation, for every instance.
    func prepareSatisfaction(program: ProgramContext, now: Date) async throws {
        let today = program.calendar.localDate(of: now)
        for kind in SurveyKind.allCases {
            for days in [30, 90] {
                let range = AnalyticsRange(from: CivilDate(daysSinceEpoch: today.daysSinceEpoch - days + 1), to: today)
                _ = try await satisfaction(program: program, kind: kind, range: range, grouping: nil, recount: true)
            }
        }
    }

    /// The answers counted; `preparing`: the question under which the statement keeps them for every instance when they
    /// are many.
    private func countAnswers(program: ProgramContext, kind: SurveyKind, range: AnalyticsRange, preparing question: String?) async throws
        -> SatisfactionTally
    {
        let window = range.window(calendar: program.calendar)
        let kept = question == nil ? "" : """
            , kept AS (
                INSERT INTO prepared_answers AS a (program_id, question, answer, good_until)
                SELECT $1, $8, jsonb_agg(to_jsonb(t)), now() + $9::float8 * interval '1 second' FROM tally t HAVING sum(t.responses) >= $10
                ON CONFLICT (program_id, question) DO UPDATE
                    SET answer = excluded.answer, prepared_at = now(), good_until = excluded.good_until
            )
            """
        let rows = try await report("""
            WITH answers AS (
                SELECT DISTINCT ON (member_id IS NULL, coalesce(member_id, response_id)) member_id, score, answered_at
                FROM survey_responses
                WHERE program_id = $1 AND kind = $2 AND answered_at >= $3 AND answered_at < $4
                ORDER BY member_id IS NULL, coalesce(member_id, response_id), answered_at DESC, response_id DESC
            ), tally AS (
                SELECT g.team, g.region,
                       a.member_id IS NOT NULL AND EXISTS (
                           SELECT 1 FROM member_activity x WHERE x.program_id = $1 AND x.member_id = a.member_id
                               AND x.day BETWEEN $5::date AND $6::date AND x.action = ANY($7::text[]) AND x.events > 0) AS ambassador,
                       a.score, count(*) AS responses
                FROM answers a
                LEFT JOIN LATERAL (\(Self.atInstant("h.team, h.region", of: "a", at: "a.answered_at", in: "member_enrolments"))) g ON true
                GROUP BY 1, 2, 3, 4
            )\(kept)
            SELECT * FROM tally
            """, [
                program.id, kind.rawValue, PostgresTimestamp.string(from: window.start ?? .distantPast),
                PostgresTimestamp.string(from: window.end ?? .distantFuture),
                PeriodCalendar.dayKey(range.from), PeriodCalendar.dayKey(range.to), PostgresArray.literal(program.settings.qualifyingActions),
            ] + (question.map { [$0, preparedSeconds, String(satisfactions.large)] } ?? []), writing: question != nil)
        return try Self.tally(rows)
    }

    /// The answers prepared under `question` (a large window under way) if still good, with the lifetime they have left.
    private func preparedTally(program: ProgramContext, question: String) async throws -> (SatisfactionTally, Duration)? {
        let rows = try await report("""
            SELECT extract(epoch FROM a.good_until - now())::float8 AS remaining, x.*
            FROM prepared_answers a, jsonb_to_recordset(a.answer) AS x(team text, region text, ambassador bool, score int, responses int)
            WHERE a.program_id = $1 AND a.question = $2 AND a.good_until > now()
            """, [program.id, question])
        guard let first = rows.first else { return nil }
        return (try Self.tally(rows), try Self.remaining(first))
    }

    /// A tally from rows of (team, region, ambassador, score, responses).
    private static func tally(_ rows: PostgresRows) throws -> SatisfactionTally {
        SatisfactionTally(rows: try rows.map { row in
            SatisfactionTally.Row(team: row.optionalString("team"), region: row.optionalString("region"), ambassador: try row.bool("ambassador"),
                                  score: try row.int("score"), count: try row.int("responses"))
        })
    }
}
