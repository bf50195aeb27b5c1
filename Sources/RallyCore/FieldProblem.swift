/// One thing wrong with one field of a request, named by its JSON path (e.g. `events[3].action`).
public struct FieldProblem: Sendable, Equatable, Codable {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// The same problem, located under a parent path (`events[3]` + `action` → `events[3].action`).
    public func nested(under parent: String) -> FieldProblem {
        FieldProblem(field: field.isEmpty ? parent : "\(parent).\(field)", problem: problem)
    }
}
