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

    /// The columns of `records`, as `jsonb_to_recordset` reads them back.
    static let recordColumns = "team text, region text, ambassador bool, score int, responses int"

    /// The tally as PostgreSQL keeps it: a record per row.
    var records: JSONValue {
        .array(rows.map { row in
            .object(["team": row.team.map { .string($0) } ?? .null, "region": row.region.map { .string($0) } ?? .null,
                     "ambassador": .bool(row.ambassador), "score": .integer(Int64(row.score)), "responses": .integer(Int64(row.count))])
        })
    }

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
        let tally = try await countAnswers(program: program, kind: kind, range: range)
        let size = tally.rows.reduce(0) { $0 + $1.count }
        satisfactions.store(tally, for: key, ended: ended, generations: generations, cost: ContinuousClock.now - started, size: size)
        if recount, !ended, size >= satisfactions.large {
            try await keepPrepared([PreparedAnswer(program: program.id, question: key.question, answer: tally.records)])
        }
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
        return try Self.tally(rows)
    }

    /// The answers prepared under `question` (a large window under way) if still good, with the lifetime they have left.
    private func preparedTally(program: ProgramContext, question: String) async throws -> (SatisfactionTally, Duration)? {
        let rows = try await preparedRecords(program: program.id, questions: [question], as: SatisfactionTally.recordColumns)
        guard let lifetime = try Self.lifetimes(rows)[question] else { return nil }
        return (try Self.tally(rows), lifetime)
    }

    /// A tally from rows of (team, region, ambassador, score, responses).
    private static func tally(_ rows: PostgresRows) throws -> SatisfactionTally {
        SatisfactionTally(rows: try rows.map { row in
            SatisfactionTally.Row(team: row.optionalString("team"), region: row.optionalString("region"), ambassador: try row.bool("ambassador"),
                                  score: try row.int("score"), count: try row.int("responses"))
        })
    }
}
