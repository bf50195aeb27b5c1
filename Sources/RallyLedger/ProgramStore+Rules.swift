import Foundation
import Postgres
import RallyCore
import RallyStorage

/// Rulesets as PostgreSQL stores them: one row per version, its document as the contract writes it.
enum RulesetRows {
    /// A subquery giving the versions of the program `programColumn` names, oldest first, as one JSON array of
    /// `{"version", "effectiveFrom" (seconds since 1970), "document"}`.
    static func select(_ programColumn: String) -> String {
        """
        SELECT coalesce(jsonb_agg(jsonb_build_object('version', r.version, 'effectiveFrom', extract(epoch FROM r.effective_from),
                                                      'document', r.document) ORDER BY r.version), '[]')::text
        FROM rulesets r WHERE r.program_id = \(programColumn)
        """
    }

    /// The history read from `select`'s text.
    static func history(_ text: String) throws -> RulesetHistory {
        guard case let .array(rows)? = JSONValue(text: text) else { throw unreadable("not a JSON array") }
        return RulesetHistory(try rows.map { row in
            guard case let .object(fields) = row, case let .integer(version)? = fields["version"],
                  let effectiveFrom = fields["effectiveFrom"].flatMap(\.double), let document = fields["document"] else {
                throw unreadable("a row lacks its version, effectiveFrom or document")
            }
            switch Ruleset.parse(document) {
            case var .success(proposal):
                proposal.ruleset.version = Int(version)
                proposal.ruleset.effectiveFrom = Date(timeIntervalSince1970: effectiveFrom)
                return proposal.ruleset
            case let .failure(failure):
                throw unreadable("version \(version): \(failure.problems.map { "\($0.field) \($0.problem)" }.joined(separator: "; "))")
            }
        })
    }

    private static func unreadable(_ detail: String) -> RallyError {
        RallyError(.internalError, "a stored ruleset could not be read", internalDetail: "rulesets: \(detail)")
    }
}

extension ProgramStore {
    /// Makes the proposal the program's next ruleset version (`RulesetHistory.schedule`: numbered after the latest, in
    /// force from its `effectiveFrom` or now), while no other change of the program's rules runs, audited as `actor`'s
    /// (before: the latest version until then, the defaults at first); returns it.
    public func setRules(_ proposal: RulesetProposal, program id: String, actor: String, now: Date = Date()) async throws -> Ruleset {
        let outcome: (ProgramContext, Ruleset)?
        outcome = try await postgres.transaction { connection in
            guard let row = try connection.query("SELECT \(Self.columns) FROM programs WHERE id = $1 FOR UPDATE", [id]).first else { return nil }
            var program = try Self.context(row)
            let ruleset = try program.rules.schedule(proposal, now: now).get()
            let document = ruleset.document(in: program.timeZone).text
            try connection.query("""
                INSERT INTO rulesets (program_id, version, effective_from, document) VALUES ($1, $2::integer, to_timestamp($3::float8), $4::jsonb)
                """, [id, String(ruleset.version), String(ruleset.effectiveFrom?.timeIntervalSince1970 ?? 0), document])
            try AuditLog.record(program: id, actor: actor, action: "rules.replaced", target: "rules/\(ruleset.version)",
                                before: program.rules.versions.last?.document(in: program.timeZone).text, after: document, on: connection)
            program.rules = RulesetHistory(program.rules.versions + [ruleset])
            return (program, ruleset)
        }
        guard let (program, ruleset) = outcome else { throw Self.notFound(id) }
        remember(program)
        return ruleset
    }

    /// The program with its rules as PostgreSQL holds them now (not cached), or a 404.
    public func fresh(_ id: String) async throws -> ProgramContext {
        guard let program = try await read(id) else { throw Self.notFound(id) }
        return program
    }
}
