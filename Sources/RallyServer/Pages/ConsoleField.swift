import RallyCore

/// One field of a console form, with the problems found in it shown beside it (each carrying its document path in
/// `data-field`, as the API's `details` name it). Written by the `field` template.
struct ConsoleField {
    enum Kind {
        case text, number, textarea
        case select([(value: String, label: String)])
        case checks([(value: String, label: String)])
    }

    var name: String
    var label: String
    var kind: Kind
    var value: String
    /// The values checked or selected (a select's is `value`).
    var chosen: Set<String> = []
    var help: String?
    var problems: [FieldProblem] = []

    /// The template's model.
    var model: [String: Any] {
        let id = "field-" + name.replacingOccurrences(of: ".", with: "-")
        var model: [String: Any] = ["name": name, "id": id, "label": label, "value": value,
                                    "problems": problems.map { ["field": $0.field, "problem": $0.problem] }, "invalid": !problems.isEmpty]
        if let help { model["help"] = help }
        let describedBy = [help.map { _ in id + "-help" }, problems.isEmpty ? nil : id + "-problems"].compactMap { $0 }
        if !describedBy.isEmpty { model["describedBy"] = describedBy.joined(separator: " ") }
        switch kind {
        case .text: model["isInput"] = true; model["type"] = "text"
        case .number: model["isInput"] = true; model["type"] = "number"
        case .textarea: model["isTextarea"] = true
        case let .select(options):
            model["isSelect"] = true
            model["options"] = options.map { ["value": $0.value, "label": $0.label, "selected": $0.value == value] as [String: Any] }
        case let .checks(options):
            model["isChecks"] = true
            model["options"] = options.map { ["value": $0.value, "label": $0.label, "selected": chosen.contains($0.value)] as [String: Any] }
        }
        return model
    }

    /// Hands each problem to the first field whose `owns` claims its path; returns those no field claimed.
    static func place(_ problems: [FieldProblem], in fields: inout [ConsoleField], owns: (ConsoleField, String) -> Bool) -> [FieldProblem] {
        var unplaced: [FieldProblem] = []
        for problem in problems {
            if let index = fields.firstIndex(where: { owns($0, problem.field) }) {
                fields[index].problems.append(problem)
            } else {
                unplaced.append(problem)
            }
        }
        return unplaced
    }

    /// The template: a label (or a legend), the control, its help and its problems, tied together for screen readers.
    static let template = """
        <div class="field{{#invalid}} invalid{{/invalid}}">
        {{#isChecks}}<fieldset{{#describedBy}} aria-describedby="{{describedBy}}"{{/describedBy}}><legend>{{label}}</legend>{{#options}}<label class="check"><input type="checkbox" name="{{name}}" value="{{value}}"{{#selected}} checked{{/selected}}> {{label}}</label> {{/options}}</fieldset>{{/isChecks}}
        {{^isChecks}}<label for="{{id}}">{{label}}</label>
        {{#isSelect}}<select id="{{id}}" name="{{name}}"{{#describedBy}} aria-describedby="{{describedBy}}"{{/describedBy}}{{#invalid}} aria-invalid="true"{{/invalid}}>{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/options}}</select>{{/isSelect}}
        {{#isTextarea}}<textarea id="{{id}}" name="{{name}}" rows="4"{{#describedBy}} aria-describedby="{{describedBy}}"{{/describedBy}}{{#invalid}} aria-invalid="true"{{/invalid}}>{{value}}</textarea>{{/isTextarea}}
        {{#isInput}}<input id="{{id}}" type="{{type}}" name="{{name}}" value="{{value}}"{{#describedBy}} aria-describedby="{{describedBy}}"{{/describedBy}}{{#invalid}} aria-invalid="true"{{/invalid}}>{{/isInput}}{{/isChecks}}
        {{#help}}<p class="help" id="{{id}}-help">{{help}}</p>{{/help}}
        {{#invalid}}<ul class="problems" id="{{id}}-problems">{{#problems}}<li data-field="{{field}}"><code>{{field}}</code> {{problem}}</li>{{/problems}}</ul>{{/invalid}}
        </div>
        """
}
