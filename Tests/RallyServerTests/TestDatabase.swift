import Foundation
import Postgres
import RallyTestSupport
import Testing

/// Direct statements on the test database, for what no endpoint can do: giving a member a past (enrolment and audience
/// histories start when Rally hears of a change, so a test of last month writes last month's rows itself).
extension TestDatabase {
    func execute(_ sql: String, _ parameters: [String?] = []) async throws {
        _ = try await column(sql, parameters)
    }

    /// The first column of each row the statement returns (nil for NULL).
    func column(_ sql: String, _ parameters: [String?] = []) async throws -> [String?] {
        try await withPool { pool in try await pool.query(sql, parameters).map { $0[0] } }
    }

    /// One row of a member's enrolment history: from `at` (RFC 3339) on, enrolled or not, in a team and region.
    struct Enrolment: Sendable {
        var memberId: String
        var at: String
        var enrolled = true
        var team: String?
        var region: String?
    }

    /// Replaces the program's whole enrolment history.
    func setEnrolments(program: String, _ rows: [Enrolment]) async throws {
        try await execute("DELETE FROM member_enrolments WHERE program_id = $1", [program])
        try await execute("""
            INSERT INTO member_enrolments (program_id, member_id, valid_from, enrolled, team, region)
            SELECT $1, m, v, e, t, r FROM unnest($2::text[], $3::timestamptz[], $4::boolean[], $5::text[], $6::text[]) AS u(m, v, e, t, r)
            """, [program, PostgresArray.literal(rows.map(\.memberId)), PostgresArray.literal(rows.map(\.at)),
                  PostgresArray.literal(rows.map { $0.enrolled ? "true" : "false" }), PostgresArray.literal(rows.map(\.team)),
                  PostgresArray.literal(rows.map(\.region))])
    }

    /// Replaces the program's whole audience history: from `at` on, the member's audience per network.
    func setAudiences(program: String, _ rows: [(memberId: String, at: String, audience: [String: Int])]) async throws {
        let audiences = try rows.map { String(decoding: try JSONEncoder().encode($0.audience), as: UTF8.self) }
        try await execute("DELETE FROM member_audiences WHERE program_id = $1", [program])
        try await execute("""
            INSERT INTO member_audiences (program_id, member_id, valid_from, audience)
            SELECT $1, m, v, a FROM unnest($2::text[], $3::timestamptz[], $4::jsonb[]) AS u(m, v, a)
            """, [program, PostgresArray.literal(rows.map(\.memberId)), PostgresArray.literal(rows.map(\.at)), PostgresArray.literal(audiences)])
    }

    /// What is wrong with the program's stored data, as sentences (none when it holds together): every member's total is
    /// the sum of their ledger and of their days, every event that earned points has its award in the ledger (a held
    /// one none) and every ledger entry its event, every member's spending is the sum of their balance entries and their redemptions, and the
    /// all-time board lists every ranked member with their total.
    func inconsistencies(_ program: TestProgram) async throws -> [String] {
        var found = try await column("""
            SELECT 'total of ' || t.member_id || ' is ' || t.points || ', its ledger sums to ' || coalesce(l.points, 0)
            FROM member_totals t LEFT JOIN (SELECT member_id, sum(points) AS points FROM ledger WHERE program_id = $1 GROUP BY 1) l USING (member_id)
            WHERE t.program_id = $1 AND t.points <> coalesce(l.points, 0)
            UNION ALL
            SELECT 'total of ' || t.member_id || ' is ' || t.points || ', its days sum to ' || coalesce(d.points, 0)
            FROM member_totals t LEFT JOIN (SELECT member_id, sum(points) AS points FROM member_days WHERE program_id = $1 GROUP BY 1) d USING (member_id)
            WHERE t.program_id = $1 AND t.points <> coalesce(d.points, 0)
            UNION ALL
            SELECT 'event ' || e.event_id || ' earned ' || e.points || ' without a ledger entry' FROM events e
            WHERE e.program_id = $1 AND e.points <> 0 AND e.status <> 'held'
                AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.program_id = e.program_id AND l.event_id = e.event_id AND l.kind = 'award')
            UNION ALL
            SELECT 'held event ' || e.event_id || ' has a ledger entry' FROM events e
            WHERE e.program_id = $1 AND e.status = 'held'
                AND EXISTS (SELECT 1 FROM ledger l WHERE l.program_id = e.program_id AND l.event_id = e.event_id)
            UNION ALL
            SELECT 'ledger entry ' || l.id || ' has no event' FROM ledger l
            WHERE l.program_id = $1 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.program_id = l.program_id AND e.event_id = l.event_id)
            UNION ALL
            SELECT 'spending of ' || b.member_id || ' is ' || b.spent || ', its entries sum to ' || coalesce(-e.points, 0)
                   || ', its redemptions not rejected to ' || coalesce(r.cost, 0)
            FROM member_balances b
            LEFT JOIN (SELECT member_id, sum(points) AS points FROM balance_entries WHERE program_id = $1 GROUP BY 1) e USING (member_id)
            LEFT JOIN (SELECT member_id, sum(cost) AS cost FROM redemptions WHERE program_id = $1 AND status <> 'rejected' GROUP BY 1) r USING (member_id)
            WHERE b.program_id = $1 AND (b.spent <> coalesce(-e.points, 0) OR b.spent <> coalesce(r.cost, 0))
            """, [program.id]).compactMap { $0 }
        let ranked = try await column("""
            SELECT t.points::text FROM member_totals t JOIN members m USING (program_id, member_id)
            WHERE t.program_id = $1 AND m.enrolled AND m.visibility <> 'hidden' AND t.points <> 0 ORDER BY t.points DESC
            """, [program.id]).compactMap { $0.flatMap(Int64.init) }
        let board = try await program.board(period: "all", limit: 100).entries.map(\.points).filter { $0 != 0 }
        if board != ranked { found.append("the all-time board holds \(board), the totals \(ranked)") }
        return found
    }
}

