import Foundation
import Postgres
import RallyCore

/// Answers about time under way that the scheduler's leader prepared for every instance (`prepared_answers`): a large
/// program's participation of the month and week under way and satisfaction of the last 30 and 90 days, every program's
/// gauges. Counted where reports read (a replica close enough behind), kept on the primary, good until a little after
/// the leader's next round.
extension AnalyticsStore {
    /// One prepared answer: its program, its question (what it answers, as the cache keys it) and its records.
    struct PreparedAnswer {
        var program: String
        var question: String
        var answer: JSONValue
    }

    /// Keeps `answers` for every instance, good for `lifetime` (until a little after the next preparation by default).
    func keepPrepared(_ answers: [PreparedAnswer], for lifetime: Duration? = nil) async throws {
        guard !answers.isEmpty else { return }
        _ = try await report("""
            INSERT INTO prepared_answers AS a (program_id, question, answer, good_until)
            SELECT p, q, x::jsonb, now() + $4::float8 * interval '1 second' FROM unnest($1::text[], $2::text[], $3::text[]) AS u(p, q, x)
            ON CONFLICT (program_id, question) DO UPDATE
                SET answer = excluded.answer, prepared_at = now(), good_until = excluded.good_until
            """, [PostgresArray.literal(answers.map(\.program)), PostgresArray.literal(answers.map(\.question)),
                  PostgresArray.literal(answers.map(\.answer.text)), String((lifetime ?? preparedLifetime).seconds)], writing: true)
    }

    /// The records of the answers prepared under `questions` that are still good (of `program`, or of every program),
    /// read `as` the columns given (`jsonb_to_recordset`), beside `program`, `key` (the question) and `remaining` (the
    /// seconds each answer is still good for).
    func preparedRecords(program: String?, questions: [String], as columns: String) async throws -> PostgresRows {
        try await report("""
            SELECT a.program_id AS program, a.question AS key, extract(epoch FROM a.good_until - now())::float8 AS remaining, x.*
            FROM prepared_answers a, jsonb_to_recordset(a.answer) AS x(\(columns))
            WHERE ($1::text IS NULL OR a.program_id = $1) AND a.question = ANY($2::text[]) AND a.good_until > now()
            ORDER BY a.program_id
            """, [program, PostgresArray.literal(questions)])
    }

    /// How long each question's answer is still good, from `preparedRecords`' rows.
    static func lifetimes(_ rows: PostgresRows) throws -> [String: Duration] {
        var lifetimes: [String: Duration] = [:]
        for row in rows { lifetimes[try row.string("key")] = .milliseconds(Int64(try row.double("remaining") * 1000)) }
        return lifetimes
    }

    /// PostgreSQL's clock now: what a round of preparation starts at (`keepPrepared(for:since:)`).
    public func preparationStarts() async throws -> String {
        try await report("SELECT now()::text AS now", writing: true)[0].string("now")
    }

    /// After a round of preparation that started `since` (`preparationStarts`): keeps what it prepared until `duration`
    /// from now (the round's rest, however long its pacing made it), in this instance's memory and for every instance;
    /// what it did not prepare again (a program that failed, or is no longer large) runs out as it was, and what ran out
    /// a day ago goes.
    public func keepPrepared(for duration: Duration, since: String) async throws {
        participations.keepPinned(for: duration)
        satisfactions.keepPinned(for: duration)
        try await database.withConnection(writing: true) { connection in
            try connection.query("""
                UPDATE prepared_answers SET good_until = greatest(good_until, now() + $1::float8 * interval '1 second')
                WHERE prepared_at >= $2::timestamptz AND question <> '\(Self.gaugesQuestion)'
                """, [String(duration.seconds), since])
            try connection.query("DELETE FROM prepared_answers WHERE good_until < now() - interval '1 day'")
        }
    }
}
