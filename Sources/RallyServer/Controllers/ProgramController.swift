import Foundation
import Hummingbird
import RallyCore
import RallyLedger
import RallyStorage

/// `/v1/programs`: programs and their keys.
struct ProgramController {
    let programs: ProgramStore
    let keys: KeyStore

    struct CreateProgram: Decodable {
        var id: String
        var name: String
        var timezone: String
    }

    /// `PATCH` body: only the fields present change; a field Rally does not know is a problem, not ignored.
    struct ChangeProgram: Decodable {
        var change = ProgramChange()
        var problems: [FieldProblem] = []

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

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
            for name in ["name", "timezone", "backfillDays", "clockSkewMinutes"] where (try? container.decodeNil(forKey: Key(stringValue: name))) == true {
                problems.append(FieldProblem(field: name, problem: "must not be null; leave it out to keep it as it is"))
            }
            if container.contains(Key(stringValue: "mediaValue")), let model = field("mediaValue", JSONValue.self) ?? .some(.null) {
                switch model == .null ? .success(nil) : MediaValue.parse(model, at: "mediaValue").map(Optional.some) {
                case let .success(found): change.mediaValue = .some(found)
                case let .failure(failure): problems += failure.problems
                }
            }
            let known: Set = ["name", "timezone", "backfillDays", "clockSkewMinutes", "participation", "mediaValue"]
            for key in container.allKeys.map(\.stringValue).sorted() where !known.contains(key) {
                problems.append(FieldProblem(field: CallerText.problem(key, maximumLength: 64) == nil ? key : "",
                                             problem: "is not a setting of a program; known: \(known.sorted().joined(separator: ", "))"))
            }
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
                json.optionalField("adminKey", adminKey)
            }
        }
    }

    struct CreateKey: Decodable {
        var role: String
        var label: String?
    }

    struct KeyBody: JSONWritable {
        var id: String
        var role: String
        var label: String?
        var key: String?
        /// Listed keys only: when they were made, last used and revoked (null: never).
        var dates: (createdAt: String, lastUsedAt: String?, revokedAt: String?)?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", id)
                json.field("role", role)
                json.optionalField("label", label)
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
        guard let role = KeyRole(rawValue: body.role) else {
            throw RallyError.validation([FieldProblem(field: "role", problem: "must be one of ingest, read, admin")])
        }
        let key = try await keys.create(program: program.id, role: role, label: body.label, actor: context.actor)
        context.logger.info("key created", metadata: ["program": "\(program.id)", "key": "\(key.id)", "role": "\(role.rawValue)"])
        return JSONResponse.make(KeyBody(id: key.id, role: role.rawValue, label: key.label, key: key.secret), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let keys = try await keys.list(program: program.id)
        func format(_ date: Date) -> String { RFC3339.format(date, in: program.timeZone) }
        return JSONResponse.make(KeyList(keys: keys.map {
            KeyBody(id: $0.id, role: $0.role.rawValue, label: $0.label,
                    dates: (format($0.createdAt), $0.lastUsedAt.map(format), $0.revokedAt.map(format)))
        }), status: .ok)
    }

    @Sendable func revokeKey(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let keyId = try context.pathIdentifier("keyId")
        try await keys.revoke(program: program.id, keyId: keyId, actor: context.actor)
        context.logger.info("key revoked", metadata: ["program": "\(program.id)", "key": "\(keyId)"])
        return Response(status: .noContent)
    }
}
