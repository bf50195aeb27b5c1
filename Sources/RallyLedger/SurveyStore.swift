import Foundation
import Postgres
import RallyCore
import RallyStorage

/// Survey answers: stored once per id, so that a platform may send them again safely.
public final class SurveyStore: Sendable {
    private let postgres: PostgresPool
    private let activity: ActivityChanges

    /// `activity`: where new answers outdate the satisfaction figures kept in memory.
    public init(postgres: PostgresPool, activity: ActivityChanges) {
        self.postgres = postgres
        self.activity = activity
    }

    /// What recording one answer did.
    public enum Outcome: Sendable, Equatable {
        /// Stored now.
        case created(SurveyResponse)
        /// Stored before with the same content: the stored answer (nothing changed).
        case duplicate(SurveyResponse)
        /// Stored before with other content: the id is taken.
        case conflict
    }

    /// Records valid answers of distinct ids in one transaction; `answeredAtGiven` says, per answer, whether the caller
    /// named the instant (a retry that leaves it out matches whatever was stored). One outcome per answer, in order.
    public func record(program context: ProgramContext, _ responses: [(response: SurveyResponse, answeredAtGiven: Bool)]) async throws -> [Outcome] {
        let program = context.id
        guard !responses.isEmpty else { return [] }
        let outcomes: [Outcome]
        outcomes = try await postgres.transaction { connection in
            let inserted = try connection.query("""
                INSERT INTO survey_responses (program_id, response_id, member_id, kind, score, answered_at)
                SELECT $1, i, m, k, s, a FROM unnest($2::text[], $3::text[], $4::text[], $5::smallint[], $6::timestamptz[]) AS u(i, m, k, s, a)
                ON CONFLICT (program_id, response_id) DO NOTHING
                RETURNING response_id
                """, [
                    program,
                    PostgresArray.literal(responses.map(\.response.id)),
                    PostgresArray.literal(responses.map(\.response.memberId)),
                    PostgresArray.literal(responses.map(\.response.kind.rawValue)),
                    PostgresArray.literal(responses.map { String($0.response.score) }),
                    PostgresArray.literal(responses.map { PostgresTimestamp.string(from: $0.response.answeredAt) }),
                ])
            let created = Set(try inserted.map { try $0.string("response_id") })
            let earlier = responses.map(\.response.id).filter { !created.contains($0) }
            let stored = try Self.responses(program: program, ids: earlier, on: connection)
            return responses.map { given, answeredAtGiven in
                if created.contains(given.id) { return .created(given) }
                guard let found = stored[given.id] else { return .conflict }
                return found.matches(given, answeredAtGiven: answeredAtGiven) ? .duplicate(found) : .conflict
            }
        }
        // An answer may be of any day in the program's window: the figures kept of its month are outdated.
        let days = outcomes.compactMap { outcome -> CivilDate? in
            guard case let .created(response) = outcome else { return nil }
            return context.calendar.localDate(of: response.answeredAt)
        }
        if !days.isEmpty { activity.changed([program], pastDays: [program: Set(days)]) }
        return outcomes
    }

    private static func responses(program: String, ids: [String], on connection: PostgresConnection) throws -> [String: SurveyResponse] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query("""
            SELECT response_id, member_id, kind, score, extract(epoch FROM answered_at) AS answered_at FROM survey_responses
            WHERE program_id = $1 AND response_id = ANY($2::text[])
            """, [program, PostgresArray.literal(ids)])
        return Dictionary(uniqueKeysWithValues: try rows.map { row in
            let id = try row.string("response_id")
            guard let kind = SurveyKind(rawValue: try row.string("kind")) else {
                throw RallyError(.internalError, "survey response '\(id)' has an unknown kind")
            }
            return (id, SurveyResponse(id: id, memberId: row.optionalString("member_id"), kind: kind, score: try row.int("score"),
                                       answeredAt: Date(timeIntervalSince1970: try row.double("answered_at"))))
        })
    }
}
