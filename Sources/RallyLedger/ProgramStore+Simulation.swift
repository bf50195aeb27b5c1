import Foundation
import Postgres
import RallyCore
import RallyStorage

extension ProgramStore {
    /// Rows read per round trip while replaying stored events.
    static let simulationChunk = 10_000

    /// What `ruleset` would have given over the program's events that occurred in `[from, to)` (retracted ones aside),
    /// replayed in the order they were received (`Simulation`), beside what they earned; writes nothing. The events are
    /// read through a cursor a chunk at a time, so memory grows with the members concerned, not with the events.
    public func simulate(_ ruleset: Ruleset, program: ProgramContext, from: Date, to: Date) async throws -> SimulationResult {
        return try await postgres.withSession { session in
            try await session.run { connection in
                try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                // JIT compiling costs more than it saves on this one pass.
                try connection.execute("SET LOCAL statement_timeout = 0; SET LOCAL cursor_tuple_fraction = 1; SET LOCAL work_mem = '256MB'; SET LOCAL jit = off")
                try connection.query("""
                    DECLARE replay NO SCROLL CURSOR FOR
                    SELECT e.member_id, e.action, e.network, e.content_id, extract(epoch FROM e.occurred_at) AS occurred_at,
                           CASE WHEN e.tags = '[]'::jsonb THEN NULL ELSE e.tags::text END AS tags, e.points, e.status,
                           \(MemberSnapshot.rankedCondition("m")) AS ranked
                    FROM events e JOIN members m USING (program_id, member_id)
                    WHERE e.program_id = $1 AND e.occurred_at >= to_timestamp($2::float8) AND e.occurred_at < to_timestamp($3::float8)
                          AND e.retracted_at IS NULL AND e.status <> 'held'
                    ORDER BY e.received_at, e.occurred_at, e.event_id
                    """, [program.id, String(from.timeIntervalSince1970), String(to.timeIntervalSince1970)])
            }
            var simulation = Simulation(ruleset: ruleset, calendar: program.calendar)
            let decoder = JSONDecoder()
            let fetch = "FETCH \(Self.simulationChunk) FROM replay"
            var rows = try await session.run { try $0.query(fetch) }
            while !rows.isEmpty {
                // PostgreSQL reads the next chunk while this one is replayed.
                async let next = session.run { try $0.query(fetch) }
                for row in rows {
                    let tags = try row.optionalString("tags").map { try Self.tags($0, decoder: decoder) } ?? []
                    let event = Event(id: "", memberId: try row.string("member_id"), action: try row.string("action"),
                                      network: row.optionalString("network"), contentId: row.optionalString("content_id"),
                                      occurredAt: Date(timeIntervalSince1970: try row.double("occurred_at")), tags: tags)
                    simulation.replay(event, stored: try row.int("points"), enrolled: try row.string("status") != AwardStatus.notEnrolled.rawValue,
                                      ranked: try row.bool("ranked"))
                }
                rows = try await next
            }
            try await session.run { try $0.execute("COMMIT") }
            return simulation.result()
        }
    }

    /// Tags as PostgreSQL writes a jsonb array of strings (`["a", "b"]`): split directly unless a string holds an escape
    /// (JSONDecoder then), since decoding JSON costs more than scoring the event.
    static func tags(_ text: String, decoder: JSONDecoder) throws -> [String] {
        guard !text.contains("\\"), text.hasPrefix("[\""), text.hasSuffix("\"]") else {
            return try decoder.decode([String].self, from: Data(text.utf8))
        }
        return text.dropFirst(2).dropLast(2).components(separatedBy: "\", \"")
    }
}
