import Foundation
import Hummingbird
import RallyCore

/// Reading JSON requests and writing JSON answers, with the contract's errors.
enum JSONBody {
    /// Decodes the body: 415 when it is declared as something else than JSON, 400 when it is not JSON, 422 naming the
    /// field when a value has the wrong type or is missing.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        if let declared = request.headers[.contentType], !Self.isJSON(declared) {
            throw RallyError(.unsupportedMediaType, "the body must be JSON (Content-Type: application/json), not '\(declared.prefix(100))'")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { throw RallyError(.malformedJSON, "the request body is empty; send a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw RallyError.decoding(error)
        }
    }

    /// `application/json` and `application/…+json`, with parameters; also curl's default for `-d`
    /// (`application/x-www-form-urlencoded`), so that a hand-typed call works.
    static func isJSON(_ contentType: String) -> Bool {
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
            || type == "application/x-www-form-urlencoded"
    }
}

extension RallyError {
    /// A decoding failure as 400 (not JSON) or 422 (the field at fault).
    static func decoding(_ error: DecodingError) -> RallyError {
        let path = JSONPath.text
        switch error {
        case let .dataCorrupted(context) where context.codingPath.isEmpty:
            return RallyError(.malformedJSON, "the request body is not valid JSON")
        case let .dataCorrupted(context):
            return .validation([FieldProblem(field: path(context.codingPath), problem: context.debugDescription)])
        case let .keyNotFound(key, context):
            return .validation([FieldProblem(field: path(context.codingPath + [key]), problem: "is required")])
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            if context.codingPath.isEmpty { return RallyError(.malformedJSON, "the request body must be a JSON object") }
            return .validation([FieldProblem(field: path(context.codingPath), problem: "must be \(JSONTypeName.of(type))")])
        @unknown default:
            return RallyError(.malformedJSON, "the request body could not be read")
        }
    }
}

/// Any JSON value, decoded only to tell a value of another type from one the decoder cannot read at all.
private struct AnyJSON: Decodable {
    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() || (try? value.decode(Bool.self)) != nil || (try? value.decode(Double.self)) != nil
            || (try? value.decode(String.self)) != nil || (try? value.decode([AnyJSON].self)) != nil
            || (try? value.decode([String: AnyJSON].self)) != nil {
            return
        }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a JSON value"))
    }
}

/// A member of a JSON object by its name, for bodies that tell unknown members apart.
struct NamedKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == NamedKey {
    /// A problem for each member not among `known`: "is not a setting of <what>".
    func unknownNames(known: Set<String>, of what: String) -> [FieldProblem] {
        allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted().map { name in
            FieldProblem(field: CallerText.problem(name, maximumLength: 64) == nil ? name : "",
                         problem: "is not a setting of \(what); known: \(known.sorted().joined(separator: ", "))")
        }
    }
}

extension KeyedDecodingContainer {
    /// The field's value, nil when absent or unusable; a field of another type, or holding text the decoder cannot read
    /// (an unpaired surrogate escape, an unescaped control character), adds a problem naming it to `problems`.
    func field<T: Decodable>(_ key: Key, _ type: T.Type, problems: inout [FieldProblem]) -> T? {
        do {
            return try decodeIfPresent(T.self, forKey: key)
        } catch let DecodingError.typeMismatch(type, context) where context.codingPath.count > codingPath.count + 1 {
            // Deeper inside the field (`audience.linkedin`): name that value.
            problems.append(FieldProblem(field: JSONPath.text(Array(context.codingPath.dropFirst(codingPath.count))),
                                         problem: "must be \(JSONTypeName.of(type))"))
        } catch {
            let readable = (try? decodeIfPresent(AnyJSON.self, forKey: key)) != nil
            problems.append(FieldProblem(field: key.stringValue, problem: readable
                ? "must be \(JSONTypeName.of(T.self))"
                : "must be valid JSON text: no unpaired surrogate escape (\\ud800) and no unescaped control character"))
        }
        return nil
    }
}

/// JSON paths as errors name them: `events[3].tags[0]`.
enum JSONPath {
    static func text(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce(into: "") { path, key in
            if let index = key.intValue { path += "[\(index)]" } else { path += path.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
    }
}

/// Plain-language JSON type names for error messages.
enum JSONTypeName {
    static func of(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is [String].Type: "an array of strings"
        default: "of another type (\(type))"
        }
    }
}

/// JSON answers with a status.
enum JSONResponse {
    static func make(_ value: some JSONWritable, status: HTTPResponse.Status) -> Response {
        make(bytes: JSONWriter.encode(value), status: status)
    }

    static func make(bytes: [UInt8], status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
