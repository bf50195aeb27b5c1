import Foundation
import Postgres
import RallyCore
import RallyStorage
import Synchronization

/// What `PATCH /v1/programs/{id}` may change; nil leaves a field as it is.
public struct ProgramChange: Sendable {
    public var name: String?
    public var timeZone: String?
    public var backfillDays: Int?
    public var clockSkewMinutes: Int?
    public var qualifyingActions: [String]?
    /// `.some(nil)` removes the model.
    public var mediaValue: MediaValue??
    public var embedOrigins: [String]?
    /// The integrity rules, replaced as a whole (empty: none).
    public var integrity: IntegrityRules?

    public init(name: String? = nil, timeZone: String? = nil, backfillDays: Int? = nil, clockSkewMinutes: Int? = nil,
                qualifyingActions: [String]? = nil, mediaValue: MediaValue?? = nil, embedOrigins: [String]? = nil,
                integrity: IntegrityRules? = nil) {
        self.embedOrigins = embedOrigins
        self.integrity = integrity
        self.name = name
        self.timeZone = timeZone
        self.backfillDays = backfillDays
        self.clockSkewMinutes = clockSkewMinutes
        self.qualifyingActions = qualifyingActions
        self.mediaValue = mediaValue
    }
}

/// Programs: created by the operator, looked up on every request (cached for a second, so that a change made through
/// another instance, its settings, rules or badges, is seen there within a second).
public final class ProgramStore: Sendable {
    let postgres: PostgresPool
    private let keys: KeyStore
    private let cacheLifetime: Duration
    private let cache = Mutex<[String: Cached]>([:])
    private let clock: any ServiceClock

    private struct Cached {
        var program: ProgramContext
        var expires: ContinuousClock.Instant
        /// Past its lifetime, one request reads the program again; the others go on with this one meanwhile.
        var reading = false
    }

    public init(postgres: PostgresPool, keys: KeyStore, cacheLifetime: Duration = .seconds(1), clock: any ServiceClock = ContinuousClock()) {
        self.postgres = postgres
        self.keys = keys
        self.cacheLifetime = cacheLifetime
        self.clock = clock
    }

    static let maximumNameLength = 200
    static let columns = """
        id, name, timezone, extract(epoch FROM created_at) AS created_at, backfill_days, clock_skew_minutes, array_to_json(qualifying_actions)::text AS qualifying_actions,
        media_value::text AS media_value, array_to_json(embed_origins)::text AS embed_origins,
        integrity::text AS integrity, (\(RulesetRows.select("programs.id"))) AS rulesets, badges_version, (\(BadgeStore.select("programs.id"))) AS badges
        """

    /// A program's name and settings as the audit log shows them (SQL on a `programs` row).
    static let audited = """
        jsonb_build_object('name', name, 'timezone', timezone, 'backfillDays', backfill_days, 'clockSkewMinutes', clock_skew_minutes,
                           'qualifyingActions', to_jsonb(qualifying_actions), 'mediaValue', media_value, 'embedOrigins', to_jsonb(embed_origins),
                           'integrity', integrity)::text
        """

    /// Creates a program and its first admin key (both audited as the operator's); the key's secret is returned once.
    public func create(id: String, name: String, timeZone: String) async throws -> (ProgramContext, IssuedKey) {
        var problems = Identifier.problems(id, field: "id")
        problems += CallerText.problems(name, field: "name", maximumLength: Self.maximumNameLength)
        problems += Self.timeZoneProblems(timeZone)
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        let secret = KeyStore.newSecret()
        let keyId = KeyStore.newKeyId()
        let context: ProgramContext
        do {
            context = try await postgres.transaction { connection in
                let rows = try connection.query("""
                    INSERT INTO programs (id, name, timezone) VALUES ($1, $2, $3) RETURNING \(Self.columns), \(Self.audited) AS audited
                    """, [id, name, timeZone])
                try AuditLog.record(program: id, actor: Principal.operator.actor, action: "program.created", target: "programs/\(id)",
                                    before: nil, after: try rows[0].string("audited"), on: connection)
                try KeyStore.insert(id: keyId, program: id, role: .admin, label: "created with the program", secret: secret,
                                    actor: Principal.operator.actor, on: connection)
                return try Self.context(rows[0])
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw RallyError(.alreadyExists, "program '\(id)' already exists")
        }
        remember(context)
        return (context, IssuedKey(id: keyId, role: .admin, label: "created with the program", secret: secret))
    }

    /// Applies a change to a program's name, time zone (only while it has no events: 409 after) or settings, audited
    /// as `actor`'s.
    public func update(_ id: String, _ change: ProgramChange, actor: String) async throws -> ProgramContext {
        var problems = CallerText.problems(change.name, field: "name", maximumLength: Self.maximumNameLength)
        problems += change.timeZone.map(Self.timeZoneProblems) ?? []
        problems += ProgramSettings(backfillDays: change.backfillDays ?? ProgramSettings.defaults.backfillDays,
                                    clockSkewMinutes: change.clockSkewMinutes ?? ProgramSettings.defaults.clockSkewMinutes).problems
        problems += change.qualifyingActions.map { ProgramSettings.qualifyingActionProblems($0, field: "participation.qualifyingActions") } ?? []
        problems += change.embedOrigins.map { ProgramSettings.embedOriginProblems($0, field: "embedOrigins") } ?? []
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        let context: ProgramContext?
        context = try await postgres.transaction { connection in
            guard let current = try connection.query("SELECT timezone, \(Self.audited) AS audited FROM programs WHERE id = $1 FOR UPDATE",
                                                     [id]).first else { return nil }
            if let zone = change.timeZone, zone != (try current.string("timezone")),
               try connection.query("SELECT 1 FROM events WHERE program_id = $1 LIMIT 1", [id]).count > 0 {
                throw RallyError(.conflict, "the time zone of program '\(id)' cannot change once it has events",
                                 details: [FieldProblem(field: "timezone", problem: "cannot change once the program has events")])
            }
            let rows = try connection.query("""
                UPDATE programs SET name = coalesce($2, name), timezone = coalesce($3, timezone),
                    backfill_days = coalesce($4::integer, backfill_days), clock_skew_minutes = coalesce($5::integer, clock_skew_minutes),
                    qualifying_actions = coalesce($6::text[], qualifying_actions),
                    media_value = CASE WHEN $7 THEN $8::jsonb ELSE media_value END, embed_origins = coalesce($9::text[], embed_origins),
                    integrity = CASE WHEN $10 THEN nullif($11::jsonb, '{}') ELSE integrity END
                WHERE id = $1 RETURNING \(Self.columns), \(Self.audited) AS audited
                """, [id, change.name, change.timeZone, change.backfillDays.map(String.init), change.clockSkewMinutes.map(String.init),
                      change.qualifyingActions.map { PostgresArray.literal($0.sorted()) }, change.mediaValue == nil ? "false" : "true",
                      change.mediaValue.flatMap { $0?.document.text }, change.embedOrigins.map { PostgresArray.literal($0.sorted()) },
                      change.integrity == nil ? "false" : "true", change.integrity?.document.text])
            try AuditLog.record(program: id, actor: actor, action: "program.updated", target: "programs/\(id)",
                                before: try current.string("audited"), after: try rows[0].string("audited"), on: connection)
            return try Self.context(rows[0])
        }
        guard let context else { throw Self.notFound(id) }
        remember(context)
        return context
    }

    /// The program, or nil when it does not exist.
    public func context(_ id: String) async throws -> ProgramContext? {
        let now = clock.now
        let known = cache.withLock { cache -> ProgramContext? in
            guard var cached = cache[id] else { return nil }
            if cached.expires > now || cached.reading { return cached.program }
            cached.reading = true
            cache[id] = cached
            return nil
        }
        if let known { return known }
        do {
            guard let context = try await read(id) else {
                cache.withLock { _ = $0.removeValue(forKey: id) }
                return nil
            }
            return context
        } catch {
            cache.withLock { $0[id]?.reading = false }
            throw error
        }
    }

    /// The program as PostgreSQL holds it now (and cached from then on), or nil when it does not exist.
    func read(_ id: String) async throws -> ProgramContext? {
        guard Identifier.isValid(id) else { return nil }
        let rows: PostgresRows
        rows = try await postgres.query("SELECT \(Self.columns) FROM programs WHERE id = $1", [id])
        guard let row = rows.first else { return nil }
        let context = try Self.context(row)
        remember(context)
        return context
    }

    /// The program, or a 404.
    public func require(_ id: String) async throws -> ProgramContext {
        guard let context = try await context(id) else { throw Self.notFound(id) }
        return context
    }

    func remember(_ context: ProgramContext) {
        let expires = clock.now + cacheLifetime
        cache.withLock { cache in
            if cache.count >= 10_000 { cache.removeAll(keepingCapacity: true) }
            cache[context.id] = Cached(program: context, expires: expires)
        }
    }

    static func context(_ row: PostgresRow) throws -> ProgramContext {
        let id = try row.string("id")
        let zone = try row.string("timezone")
        guard let calendar = PeriodCalendar(timeZoneIdentifier: zone) else {
            throw RallyError(.internalError, "program '\(id)' has an unknown time zone '\(zone)'")
        }
        let rules = try RulesetRows.history(try row.string("rulesets"))
        return ProgramContext(id: id, name: try row.string("name"), createdAt: Date(timeIntervalSince1970: try row.double("created_at")),
                              calendar: calendar, rules: rules,
                              settings: ProgramSettings(backfillDays: try row.int("backfill_days"),
                                                        clockSkewMinutes: try row.int("clock_skew_minutes"),
                                                        qualifyingActions: try JSONDecoder().decode([String].self, from: Data(try row.string("qualifying_actions").utf8)),
                                                        mediaValue: try Self.mediaValue(row.optionalString("media_value"), program: id),
                                                        embedOrigins: try JSONDecoder().decode([String].self, from: Data(try row.string("embed_origins").utf8)),
                                                        integrity: try Self.integrity(row.optionalString("integrity"), program: id)),
                              badges: try BadgeStore.badges(try row.string("badges"), program: id, rules: rules),
                              badgesVersion: try row.int("badges_version"))
    }

    private static func mediaValue(_ text: String?, program: String) throws -> MediaValue? {
        guard let text else { return nil }
        guard let document = JSONValue(text: text), case let .success(model) = MediaValue.parse(document, at: "mediaValue") else {
            throw RallyError(.internalError, "program '\(program)' has a media value model Rally cannot read")
        }
        return model
    }

    private static func integrity(_ text: String?, program: String) throws -> IntegrityRules {
        guard let text else { return IntegrityRules() }
        guard let document = JSONValue(text: text), case let .success(rules) = IntegrityRules.parse(document, at: "integrity") else {
            throw RallyError(.internalError, "program '\(program)' has integrity rules Rally cannot read")
        }
        return rules
    }

    private static func timeZoneProblems(_ zone: String) -> [FieldProblem] {
        guard CallerText.problem(zone, maximumLength: 64) == nil, PeriodCalendar(timeZoneIdentifier: zone) != nil else {
            return [FieldProblem(field: "timezone", problem: "must be an IANA time zone such as Europe/Paris")]
        }
        return []
    }

    static func notFound(_ id: String) -> RallyError {
        RallyError(.notFound, "program '\(id)' does not exist")
    }
}
