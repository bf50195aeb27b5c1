import Foundation
import Postgres
import RallyCore
import RallyStorage

/// Where a flag stands: `open` until an admin dismisses it (held points released) or confirms it (its events retracted).
public enum FlagStatus: String, Sendable, CaseIterable {
    case open, dismissed, confirmed
}

/// An integrity rule a member broke, with every event that broke it while the flag was open.
public struct IntegrityFlag: Sendable, Equatable {
    public var id: String
    public var memberId: String
    public var rule: IntegrityRule
    /// The latest numbers (`summary`, `limit`, `count`, …).
    public var evidence: JSONValue
    public var eventIds: [String]
    /// The points of its events that were held.
    public var heldPoints: Int64
    public var status: FlagStatus
    public var createdAt: Date
    public var updatedAt: Date
}

/// The review queue of integrity flags. Flags are raised by the group commit (`FlagRows`) and reviewed on their member's
/// writer lane (`EventWriter.review`).
public final class FlagStore: Sendable {
    private let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    /// A page of flags, oldest first, in one status or any; the cursor is the last flag's id (anything else is a 422).
    public func list(program: String, status: FlagStatus?, memberId: String?, limit: Int, after cursor: String?) async throws
        -> (flags: [IntegrityFlag], next: String?)
    {
        if let cursor, !Self.isFlagId(cursor) {
            throw RallyError.validation([FieldProblem(field: "cursor", problem: "must be the nextCursor of a previous page")])
        }
        let rows = try await postgres.query("""
            SELECT \(Self.columns) FROM flags
            WHERE program_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR member_id = $3)
              AND flag_id > coalesce($4::bigint, 0)
            ORDER BY flag_id LIMIT $5::int
            """, [program, status?.rawValue, memberId, cursor.flatMap { Int64($0) }.map(String.init), String(limit + 1)])
        let page = try rows.prefix(limit).map(Self.flag)
        return (page, rows.count > limit ? page.last?.id : nil)
    }

    /// The open flags of each program, by rule, for the gauges.
    public func openCounts() async throws -> [(program: String, rule: IntegrityRule, count: Int)] {
        try await postgres.query("SELECT program_id, rule, count(*) AS n FROM flags WHERE status = 'open' GROUP BY 1, 2 ORDER BY 1, 2", [])
            .compactMap { row in
                guard let rule = IntegrityRule(rawValue: try row.string("rule")) else { return nil }
                return (try row.string("program_id"), rule, try row.int("n"))
            }
    }

    static let columns = """
        flag_id, member_id, rule, evidence::text AS evidence, array_to_json(event_ids)::text AS event_ids, held_points, status,
        extract(epoch FROM created_at) AS created_at, extract(epoch FROM updated_at) AS updated_at
        """

    static func flag(_ row: PostgresRow) throws -> IntegrityFlag {
        guard let rule = IntegrityRule(rawValue: try row.string("rule")), let status = FlagStatus(rawValue: try row.string("status")),
              let evidence = JSONValue(text: try row.string("evidence")), case let .array(ids)? = JSONValue(text: try row.string("event_ids"))
        else { throw PostgresError(kind: .decoding, message: "flags: a row Rally cannot read") }
        return IntegrityFlag(id: try row.string("flag_id"), memberId: try row.string("member_id"), rule: rule, evidence: evidence,
                    eventIds: ids.compactMap { if case let .string(id) = $0 { id } else { nil } }, heldPoints: try row.int64("held_points"),
                    status: status, createdAt: Date(timeIntervalSince1970: try row.double("created_at")),
                    updatedAt: Date(timeIntervalSince1970: try row.double("updated_at")))
    }

    /// Whether `text` is a flag's id as answered: a positive number, written without sign or leading zeros.
    static func isFlagId(_ text: String) -> Bool {
        Int64(text).map { $0 > 0 && String($0) == text } ?? false
    }

    static func notFound(_ id: String, program: String) -> RallyError {
        RallyError(.notFound, "flag '\(id)' does not exist in program '\(program)'")
    }

    /// The flag as the audit log and the `member.flagged` notification show it.
    static func document(_ flag: IntegrityFlag, timeZone: TimeZone) -> JSONValue {
        .object(["flagId": .string(flag.id), "memberId": .string(flag.memberId), "rule": .string(flag.rule.rawValue), "evidence": flag.evidence,
                 "eventIds": .array(flag.eventIds.map(JSONValue.string)), "heldPoints": .integer(flag.heldPoints),
                 "status": .string(flag.status.rawValue), "createdAt": .string(RFC3339.format(flag.createdAt, in: timeZone))])
    }
}

/// The flags a group commit raises or adds to: the findings of one member, rule and subject gathered in one row (their
/// events in order, their held points summed, the latest evidence), added to the open flag of that key if there is one.
struct FlagRows {
    struct Row {
        var member: MemberRef
        var rule: IntegrityRule
        var subject: String
        var evidence: JSONValue
        var eventIds: [String]
        var holds: Bool
        var heldPoints: Int
    }

    var rows: [Row] = []

    init(_ flagged: [FlaggedEvent]) {
        var index: [String: Int] = [:]
        for flag in flagged {
            let key = [flag.member.program, flag.member.id, flag.finding.rule.rawValue, flag.finding.subject].joined(separator: "\u{1F}")
            if let at = index[key] {
                rows[at].eventIds.append(flag.eventId)
                rows[at].heldPoints += flag.heldPoints
                rows[at].holds = rows[at].holds || flag.finding.hold
                rows[at].evidence = flag.finding.evidence
            } else {
                index[key] = rows.count
                rows.append(Row(member: flag.member, rule: flag.finding.rule, subject: flag.finding.subject, evidence: flag.finding.evidence,
                                eventIds: [flag.eventId], holds: flag.finding.hold, heldPoints: flag.heldPoints))
            }
        }
        rows.sort { ($0.member.program, $0.member.id, $0.rule, $0.subject) < ($1.member.program, $1.member.id, $1.rule, $1.subject) }
    }

    /// Writes the rows; answers the flags raised now (not those added to), for their notifications.
    func write(now: Date, on connection: PostgresConnection) throws -> [(program: String, flag: IntegrityFlag)] {
        guard !rows.isEmpty else { return [] }
        return try connection.rows(UpsertFlags(rows: rows, at: now)).filter(\.created).map { ($0.program, $0.flag) }
    }
}

/// Raises flags, or adds to the open one of the same member, rule and subject.
struct UpsertFlags: PostgresQuery {
    static let isPrepared = true
    static let columns = PostgresColumns<FlagRows.Row>([
        .text("program_id") { $0.member.program }, .text("member_id") { $0.member.id }, .text("rule") { $0.rule.rawValue },
        .text("subject") { $0.subject }, .jsonb("evidence") { $0.evidence.text },
        .jsonb("event_ids") { JSONValue.array($0.eventIds.map(JSONValue.string)).text }, .bool("holds") { $0.holds },
        .int("held_points") { $0.heldPoints },
    ])
    static let sql = """
        INSERT INTO flags AS f (program_id, member_id, rule, subject, evidence, event_ids, holds, held_points, created_at, updated_at)
        SELECT program_id, member_id, rule, subject, evidence, ARRAY(SELECT jsonb_array_elements_text(event_ids)), holds, held_points,
               to_timestamp($9::float8), to_timestamp($9::float8)
        FROM \(columns.unnest())
        ON CONFLICT (program_id, member_id, rule, subject) WHERE status = 'open'
        DO UPDATE SET evidence = EXCLUDED.evidence, event_ids = f.event_ids || EXCLUDED.event_ids, holds = f.holds OR EXCLUDED.holds,
                      held_points = f.held_points + EXCLUDED.held_points, updated_at = EXCLUDED.updated_at
        RETURNING program_id, (xmax = 0) AS created, \(FlagStore.columns)
        """

    var rows: [FlagRows.Row]
    var at: Date
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) + [at] }

    static func decode(_ row: PostgresRow) throws -> (program: String, created: Bool, flag: IntegrityFlag) {
        (try row.string("program_id"), try row.bool("created"), try FlagStore.flag(row))
    }
}
