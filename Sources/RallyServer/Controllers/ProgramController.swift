import Foundation
import Hummingbird
import RallyCore
import RallyLedger
import RallyStorage

/// `/v1/programs`: programs and their keys.
struct ProgramController {
    let programs: ProgramStore
    let keys: KeyStore
    /// The most a key's own rate limit may be.
    let keyRateLimitMaximum: Int

    struct CreateProgram: Decodable {
        var id: String
        var name: String
        var timezone: String
    }

    /// `PATCH` body: only the fields present change; a field Rally does not know is a problem, not ignored.
    struct ChangeProgram: Decodable {
        var change = ProgramChange()
        var problems: [FieldProblem] = []

        private typealias Key = NamedKey

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            func field<T: Decodable>(_ name: String, _ type: T.Type) -> T? {
                container.field(Key(stringValue: name), type, problems: &problems)
            }
            change = ProgramChange(name: field("name", String.self), timeZone: field("timezone", String.self),
                                   backfillDays: field("backfillDays", Int.self), clockSkewMinutes: field("clockSkewMinutes", Int.self))
            if container.contains(Key(stringValue: "participation")) {
                change.qualifyingActions = Self.qualifyingActions(field("participation", JSONValue.self) ?? .null, problems: &problems)
            }
            // Null is no value for a setting (only the media model may be set to none).
            for name in ["name", "timezone", "backfillDays", "clockSkewMinutes", "embedOrigins"] where (try? container.decodeNil(forKey: Key(stringValue: name))) == true {
                problems.append(FieldProblem(field: name, problem: "must not be null; leave it out to keep it as it is"))
            }
            if container.contains(Key(stringValue: "mediaValue")), let model = field("mediaValue", JSONValue.self) ?? .some(.null) {
                switch model == .null ? .success(nil) : MediaValue.parse(model, at: "mediaValue").map(Optional.some) {
                case let .success(found): change.mediaValue = .some(found)
                case let .failure(failure): problems += failure.problems
                }
            }
            change.embedOrigins = field("embedOrigins", [String].self)
            if container.contains(Key(stringValue: "integrity")), let rules = field("integrity", JSONValue.self) ?? .some(.null) {
                switch rules == .null ? .success(IntegrityRules()) : IntegrityRules.parse(rules, at: "integrity") {
                case let .success(found): change.integrity = found
                case let .failure(failure): problems += failure.problems
                }
            }
            let known: Set = ["name", "timezone", "backfillDays", "clockSkewMinutes", "participation", "mediaValue", "embedOrigins", "integrity"]
            problems += container.unknownNames(known: known, of: "a program")
        }

        /// `{"qualifyingActions": ["post", "share"]}`.
        private static func qualifyingActions(_ value: JSONValue, problems: inout [FieldProblem]) -> [String]? {
            guard case let .object(fields) = value, fields.keys.allSatisfy({ $0 == "qualifyingActions" }) else {
                problems.append(FieldProblem(field: "participation", problem: "must be an object with qualifyingActions"))
                return nil
            }
            guard let list = fields["qualifyingActions"] else { return nil }
            guard case let .array(items) = list else {
                problems.append(FieldProblem(field: "participation.qualifyingActions", problem: "must be an array of action names"))
                return nil
            }
            var actions: [String] = []
            for (index, item) in items.enumerated() {
                guard case let .string(action) = item else {
                    problems.append(FieldProblem(field: "participation.qualifyingActions[\(index)]", problem: "must be a string"))
                    continue
                }
                actions.append(action)
            }
            return actions.count == items.count ? actions : nil
        }
    }

    struct ProgramBody: JSONWritable {
        var program: ProgramContext
        var adminKey: String?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", program.id)
                json.field("name", program.name)
                json.field("timezone", program.timeZone.identifier)
                json.field("createdAt", RFC3339.format(program.createdAt, in: program.timeZone))
                json.field("backfillDays", program.settings.backfillDays)
                json.field("clockSkewMinutes", program.settings.clockSkewMinutes)
                json.field("participation", object: { $0.field("qualifyingActions", strings: program.settings.qualifyingActions) })
                json.key("mediaValue")
                json.value(program.settings.mediaValue?.document ?? .null)
                json.field("embedOrigins", strings: program.settings.embedOrigins)
                json.key("integrity")
                json.value(program.settings.integrity.document)
                json.optionalField("adminKey", adminKey)
            }
        }
    }

    struct CreateKey: Decodable {
        var role: KeyRole?
        var label: String?
        var rateLimit: Int?
        var problems: [FieldProblem] = []

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: NamedKey.self)
            func field<T: Decodable>(_ name: String, _ type: T.Type) -> T? { container.field(NamedKey(stringValue: name), type, problems: &problems) }
            let roleName = field("role", String.self)
            role = roleName.flatMap(KeyRole.init(rawValue:))
            if role == nil, !problems.contains(where: { $0.field == "role" }) {
                problems.append(FieldProblem(field: "role", problem: roleName == nil ? "is required" : "must be one of ingest, read, admin"))
            }
            label = field("label", String.self)
            rateLimit = field("rateLimit", Int.self)
        }
    }

    /// `PATCH` body of a key: `label` and `rateLimit`, each changed when present (null removes it).
    struct ChangeKey: Decodable {
        var change = KeyStore.Change()
        var problems: [FieldProblem] = []

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: NamedKey.self)
            let label = NamedKey(stringValue: "label"), rateLimit = NamedKey(stringValue: "rateLimit")
            if container.contains(label) { change.label = .some(container.field(label, String.self, problems: &problems)) }
            if container.contains(rateLimit) { change.rateLimit = .some(container.field(rateLimit, Int.self, problems: &problems)) }
            problems += container.unknownNames(known: ["label", "rateLimit"], of: "a key")
        }
    }

    /// A key's own rate limit is a number of requests a second from 1 to the operator's maximum.
    func rateLimitProblems(_ rateLimit: Int?) -> [FieldProblem] {
        guard let rateLimit, !(1...keyRateLimitMaximum).contains(rateLimit) else { return [] }
        return [FieldProblem(field: "rateLimit", problem: "must be a number of requests a second from 1 to \(keyRateLimitMaximum) (the operator's maximum), "
            + "or null for the role's limit")]
    }

    struct KeyBody: JSONWritable {
        var id: String
        var role: String
        var label: String?
        var rateLimit: Int?
        var key: String?
        /// Listed keys only: when they were made, last used and revoked (null: never).
        var dates: (createdAt: String, lastUsedAt: String?, revokedAt: String?)?

        init(id: String, role: String, label: String?, rateLimit: Int?, key: String) {
            (self.id, self.role, self.label, self.rateLimit, self.key) = (id, role, label, rateLimit, key)
        }

        /// A key as listed, its dates in the program's time zone.
        init(_ key: KeySummary, in program: ProgramContext) {
            func format(_ date: Date) -> String { RFC3339.format(date, in: program.timeZone) }
            (id, role, label, rateLimit) = (key.id, key.role.rawValue, key.label, key.rateLimit)
            dates = (format(key.createdAt), key.lastUsedAt.map(format), key.revokedAt.map(format))
        }

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", id)
                json.field("role", role)
                json.optionalField("label", label)
                json.field("rateLimit", rateLimit)
                json.optionalField("key", key)
                if let dates {
                    json.field("createdAt", dates.createdAt)
                    json.field("lastUsedAt", dates.lastUsedAt)
                    json.field("revokedAt", dates.revokedAt)
                }
            }
        }
    }

    struct KeyList: JSONWritable {
        var keys: [KeyBody]

        func write(to json: inout JSONWriter) {
            json.object { $0.field("keys", keys) }
        }
    }

    var routes: [Route] {
        [
            Route(.post, "", .operator, create),
            Route(.get, ":programId", .program([.read]), show),
            Route(.patch, ":programId", .program([.admin]), update),
            Route(.post, ":programId/keys", .program([.admin]), createKey),
            Route(.get, ":programId/keys", .program([.admin]), listKeys),
            Route(.patch, ":programId/keys/:keyId", .program([.admin]), changeKey),
            Route(.delete, ":programId/keys/:keyId", .program([.admin]), revokeKey),
        ]
    }

    @Sendable func create(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(CreateProgram.self, from: request, context: context)
        let (program, key) = try await programs.create(id: body.id, name: body.name, timeZone: body.timezone)
        context.logger.info("program created", metadata: ["program": "\(program.id)"])
        return JSONResponse.make(ProgramBody(program: program, adminKey: key.secret), status: .created)
    }

    @Sendable func show(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        return JSONResponse.make(ProgramBody(program: program), status: .ok)
    }

    @Sendable func update(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let body = try await JSONBody.decode(ChangeProgram.self, from: request, context: context)
        guard body.problems.isEmpty else { throw RallyError.validation(body.problems) }
        let updated = try await programs.update(program.id, body.change, actor: context.actor)
        context.logger.info("program changed", metadata: ["program": "\(program.id)"])
        return JSONResponse.make(ProgramBody(program: updated), status: .ok)
    }

    @Sendable func createKey(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let body = try await JSONBody.decode(CreateKey.self, from: request, context: context)
        let problems = body.problems + rateLimitProblems(body.rateLimit)
        guard problems.isEmpty, let role = body.role else { throw RallyError.validation(problems) }
        let key = try await keys.create(program: program.id, role: role, label: body.label, rateLimit: body.rateLimit, actor: context.actor)
        context.logger.info("key created", metadata: ["program": "\(program.id)", "key": "\(key.id)", "role": "\(role.rawValue)"])
        return JSONResponse.make(KeyBody(id: key.id, role: role.rawValue, label: key.label, rateLimit: key.rateLimit, key: key.secret), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let keys = try await keys.list(program: program.id)
        return JSONResponse.make(KeyList(keys: keys.map { KeyBody($0, in: program) }), status: .ok)
    }

    @Sendable func changeKey(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let keyId = try context.pathIdentifier("keyId")
        let body = try await JSONBody.decode(ChangeKey.self, from: request, context: context)
        let problems = body.problems + rateLimitProblems(body.change.rateLimit ?? nil)
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        let key = try await keys.change(program: program.id, keyId: keyId, body.change, actor: context.actor)
        context.logger.info("key changed", metadata: ["program": "\(program.id)", "key": "\(keyId)"])
        return JSONResponse.make(KeyBody(key, in: program), status: .ok)
    }

    @Sendable func revokeKey(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let keyId = try context.pathIdentifier("keyId")
        try await keys.revoke(program: program.id, keyId: keyId, actor: context.actor)
        context.logger.info("key revoked", metadata: ["program": "\(program.id)", "key": "\(keyId)"])
        return Response(status: .noContent)
    }
}
