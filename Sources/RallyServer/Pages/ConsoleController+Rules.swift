import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// The rules page: the draft as JSON, validated, simulated on stored events, published now or from a date.
extension ConsoleController {
    /// What the rules page shows beside its frame.
    struct RulesView {
        var draft: String
        var from: String
        var to: String
        var effectiveFrom = ""
        var problems: [FieldProblem] = []
        var notice: String?
        var simulation: [String: Any]?
        /// The draft as the form view shows it.
        var form: RulesForm
        /// Whether the form view was sent (its problems are shown in its rows, not beside the JSON).
        var fromForm = false
    }

    func rulesPage(_ request: Request, _ page: Page, form: ConsoleForm?) async throws -> Response {
        let today = page.program.calendar.localDate(of: Date())
        let document = Self.draft(page.program.rules.latest, timeZone: page.program.timeZone)
        var view = RulesView(draft: Self.pretty(document), from: CivilDate(daysSinceEpoch: today.daysSinceEpoch - 29).text, to: today.text,
                             form: RulesForm(document: document))
        if let published = Query(request).value("published") { view.notice = String(format: page.text.published, published) }
        return show(view, page, request: request, status: .ok)
    }

    func rules(_ request: Request, _ page: Page, form: ConsoleForm) async throws -> Response {
        let text = page.text
        var view = RulesView(draft: form["rules"] ?? "", from: form["from"] ?? "", to: form["to"] ?? "", effectiveFrom: form["effectiveFrom"] ?? "",
                             form: RulesForm(document: JSONValue(text: form["rules"] ?? "")))
        if form["view"] == "form" {
            // The form view's rows become the draft; the JSON view shows it.
            view.form = RulesForm(form: form)
            view.fromForm = true
            view.draft = Self.pretty(view.form.document())
        }
        guard let document = JSONValue(text: view.draft), case var .object(fields) = document else {
            view.problems = [FieldProblem(field: "rules", problem: "must be a JSON object: the ruleset")]
            return show(view, page, request: request, status: .unprocessableContent)
        }
        do {
            if !view.form.problems.isEmpty {
                let found = if case let .failure(failure) = Ruleset.parse(document) { failure.problems } else { [FieldProblem]() }
                throw RallyError.validation(view.form.problems + found)
            }
            switch form["action"] {
            case "simulate":
                let body = JSONValue.object(["rules": document, "from": .string(view.from), "to": .string(view.to)])
                let (ruleset, from, to) = try RulesController.simulation(body, calendar: page.program.calendar)
                let result = try await programs.simulate(ruleset, program: page.program, from: from, to: to)
                view.simulation = Self.simulation(result, text: text, locale: page.language.locale)
            case "publish":
                if let effective = form["effectiveFrom"] {
                    guard let instant = Self.instant(effective, calendar: page.program.calendar) else {
                        throw RallyError.validation([FieldProblem(field: "effectiveFrom", problem: "must be a date such as 2026-12-31 or an RFC 3339 instant")])
                    }
                    fields["effectiveFrom"] = .string(RFC3339.format(instant, in: page.program.timeZone))
                }
                let proposal = try Ruleset.parse(.object(fields)).mapError { RallyError.validation($0.problems) }.get()
                let ruleset = try await programs.setRules(proposal, program: page.program.id, actor: page.session.keyId)
                return Self.redirect("/console/\(page.program.id)/rules?published=\(ruleset.version)")
            default:
                _ = try Ruleset.parse(document).mapError { RallyError.validation($0.problems) }.get()
                view.notice = text.valid
            }
        } catch let error as RallyError where [.validationFailed, .conflict].contains(error.code) {
            view.problems = error.details.isEmpty ? [FieldProblem(field: "rules", problem: error.message)] : error.details
            return show(view, page, request: request, status: error.code == .conflict ? .conflict : .unprocessableContent)
        }
        return show(view, page, request: request, status: .ok)
    }

    private func show(_ view: RulesView, _ page: Page, request: Request, status: HTTPResponse.Status) -> Response {
        var form = view.form
        let problems = view.fromForm ? form.place(view.problems) : view.problems
        let formText = RulesFormText.of(page.language)
        let inForce = page.program.rules.inForce(at: Date())
        let versions = page.program.rules.versions.reversed().map { ruleset -> [String: Any] in
            ["version": ruleset.version, "actions": ruleset.actions.keys.sorted().joined(separator: ", "),
             "effective": ruleset.effectiveFrom.map(page.time) as Any]
        }
        var model = page.model([
            "draft": view.draft, "from": view.from, "to": view.to, "effectiveFrom": view.effectiveFrom,
            "problems": problems.map { ["field": $0.field, "problem": $0.problem] }, "hasProblems": !problems.isEmpty,
            "inForce": String(format: page.text.inForce, String(inForce.version), String(inForce.actions.count)), "versions": versions,
            "f": formText, "groups": form.model(blank: 2, text: formText, actions: page.program.rules.knownActions.sorted()),
        ])
        if let notice = view.notice { model["notice"] = notice }
        if let simulation = view.simulation { model["simulation"] = simulation }
        return render("console-rules", model, request: request, status: status)
    }

    /// The ruleset as a draft to edit: its document without `version` and `effectiveFrom` (a new version gets its own).
    static func draft(_ ruleset: Ruleset, timeZone: TimeZone) -> JSONValue {
        guard case var .object(fields) = ruleset.document(in: timeZone) else { return .object([:]) }
        fields["version"] = nil
        fields["effectiveFrom"] = nil
        return .object(fields)
    }

    /// A document as people read it: indented, keys sorted.
    static func pretty(_ document: JSONValue) -> String {
        let compact = Data(document.text.utf8)
        guard let object = try? JSONSerialization.jsonObject(with: compact),
              let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return String(decoding: compact, as: UTF8.self) }
        return String(decoding: pretty, as: UTF8.self)
    }

    /// A date (its start in the program's time zone) or an RFC 3339 instant.
    static func instant(_ text: String, calendar: PeriodCalendar) -> Date? {
        if let day = CivilDate.parse(text) { return calendar.window(.range, from: day, through: day).start }
        return RFC3339.parse(text)
    }

    static func simulation(_ result: SimulationResult, text: ConsoleText, locale: Locale) -> [String: Any] {
        func number(_ value: Int64) -> String { value.formatted(.number.locale(locale)) }
        let ranks = max(result.topBefore.count, result.topAfter.count)
        return [
            "title": String(format: text.simulationTitle, result.events.formatted(.number.locale(locale))),
            "actions": result.actions.keys.sorted().map { action -> [String: Any] in
                let totals = result.actions[action]!
                return ["action": action, "events": totals.events.formatted(.number.locale(locale)), "before": number(totals.before), "after": number(totals.after)]
            },
            "top": (0..<ranks).map { index -> [String: Any] in
                func entry(_ list: [SimulationResult.Entry]) -> String { index < list.count ? "\(list[index].memberId) (\(number(list[index].points)))" : "" }
                return ["rank": index + 1, "before": entry(result.topBefore), "after": entry(result.topAfter)]
            },
            "movers": result.movers.map { move -> [String: Any] in
                ["memberId": move.memberId, "before": "#\(move.before) (\(number(move.pointsBefore)))", "after": "#\(move.after) (\(number(move.pointsAfter)))"]
            },
        ]
    }
}

extension CivilDate {
    /// `2026-11-20`.
    var text: String { String(format: "%04d-%02d-%02d", year, month, day) }
}
