import Hummingbird
import RallyCore

/// A request's query string as the API reads it: a value left empty (`?region=`) counts as absent, as the README
/// says, and every problem names its parameter.
struct Query {
    let parameters: Parameters

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    init(_ values: [String: String]) {
        parameters = Parameters(values.map { (Substring($0.key), Substring($0.value)) })
    }

    /// The value of `name`; nil when absent or empty.
    func value(_ name: String) -> String? {
        parameters[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = value(name) else { return fallback }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw RallyError.validation([FieldProblem(field: name, problem: "must be an integer from \(range.lowerBound) to \(range.upperBound)")])
        }
        return parsed
    }

    /// `cursor`: the `nextCursor` of a previous page (entries before it come next), absent for the first page.
    func cursor() throws -> Int64? {
        guard let text = value("cursor") else { return nil }
        guard let parsed = Int64(text), parsed >= 0 else {
            throw RallyError.validation([FieldProblem(field: "cursor", problem: "must be a nextCursor value from a previous page")])
        }
        return parsed
    }

    /// One of a type's values, by its raw value.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws -> T where T.RawValue == String {
        try choice(name) ?? fallback
    }

    /// One of a type's values, by its raw value, or nil when absent.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String) throws -> T? where T.RawValue == String {
        guard let text = value(name) else { return nil }
        guard let found = T(rawValue: text) else {
            throw RallyError.validation([FieldProblem(field: name, problem: "must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")])
        }
        return found
    }

    /// An id (`Identifier`), or nil when absent.
    func identifier(_ name: String) throws -> String? {
        guard let text = value(name) else { return nil }
        guard Identifier.isValid(text) else {
            throw RallyError.validation([FieldProblem(field: name, problem: "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -")])
        }
        return text
    }
}
