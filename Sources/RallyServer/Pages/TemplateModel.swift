import Mustache

/// A page's model as the templates read it fastest: structs turned into dictionaries once, before rendering. Mustache
/// otherwise reflects (`Mirror`) over a struct at each name it looks up, and a board's page looks up hundreds: measured at
/// 1,000,000 members, that alone made the page cost ten times the JSON board.
enum TemplateModel {
    static func of(_ value: Any) -> Any {
        switch value {
        case is String, is Int, is Int64, is Bool, is Double: return value
        case let fields as [String: Any]: return fields.compactMapValues { present($0).map(of) }
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .struct?, .class?:
            var fields: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label, let field = present(child.value) else { continue }
                fields[label] = of(field)
            }
            return fields
        case .collection?, .set?:
            return mirror.children.map { of($0.value) }
        case .optional?:
            return mirror.children.first.map { of($0.value) } ?? value
        default:
            return value
        }
    }

    /// The value, or nil for an optional without one (a dictionary then lacks the name: a section over it is false).
    private static func present(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}

extension MustacheLibrary {
    /// Renders `model` made plain (`TemplateModel`).
    func renderPlain(_ model: Any, withTemplate name: String) -> String {
        render(TemplateModel.of(model), withTemplate: name) ?? ""
    }
}
