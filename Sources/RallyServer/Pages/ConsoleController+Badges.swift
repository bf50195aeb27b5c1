import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// The console's badges page: every badge with what earns it and how many hold it; a form to define or change one, each
/// problem beside its field, that first tells how many members would receive it at once (they meet it already); delete.
extension ConsoleController {
    /// What the badges page shows beside its frame.
    struct BadgesView {
        var draft: [String: String] = [:]
        var chosenActions: [String] = []
        var problems: [FieldProblem] = []
        var notice: String?
        var reach: String?
    }

    func badgesPage(_ request: Request, _ page: Page) async throws -> Response {
        var view = BadgesView()
        if let id = Query(request).value("edit"), let badge = page.program.badges.first(where: { $0.id == id }) {
            (view.draft, view.chosenActions) = Self.draft(of: badge)
        }
        return try await show(view, page, request: request, status: .ok)
    }

    func badges(_ request: Request, _ page: Page, form: ConsoleForm) async throws -> Response {
        var page = page
        let b = BadgeText.of(page.language), program = page.program, actor = page.session.keyId
        var view = BadgesView(draft: Dictionary(uniqueKeysWithValues: Self.badgeFieldNames.map { ($0, form[$0] ?? "") }), chosenActions: form.all("actions"))
        let id = form["badgeId"] ?? ""
        if form["action"] == "delete" {
            do {
                try await badgesStore.delete(program: program.id, badgeId: id, actor: actor)
                page.program = try await programs.fresh(program.id)
                return try await show(BadgesView(notice: String(format: b.deleted, id)), page, request: request, status: .ok)
            } catch let error as RallyError where error.code == .notFound {
                view.problems = [FieldProblem(field: "badgeId", problem: error.message)]
                return try await show(view, page, request: request, status: .notFound)
            }
        }
        var (document, problems) = Self.document(view.draft, actions: view.chosenActions)
        problems += Identifier.problems(id, field: "badgeId")
        let parsed = Badge.parse(document, id: Identifier.isValid(id) ? id : "badge", knownActions: program.rules.knownActions)
        if case let .failure(failure) = parsed { problems += failure.problems }
        guard problems.isEmpty, case let .success(badge) = parsed else {
            view.problems = problems
            return try await show(view, page, request: request, status: .unprocessableContent)
        }
        if form["action"] == "save" {
            let created = try await badgesStore.put(badge, program: program.id, actor: actor)
            page.program = try await programs.fresh(program.id)
            view.notice = String(format: created ? b.created : b.saved, id)
        }
        view.reach = try await badgesStore.reach(badge, program: program.id).map { tiers in
            let language = page.language
            let counts = badge.tiers.count > 1 ? " (" + tiers.map { "\($0.tier ?? "") \(language.number($0.members))" }.joined(separator: ", ") + ")" : ""
            return String(format: b.reach, language.number(tiers.first?.members ?? 0)) + counts
        } ?? b.rankReach
        return try await show(view, page, request: request, status: .ok)
    }

    private func show(_ view: BadgesView, _ page: Page, request: Request, status: HTTPResponse.Status) async throws -> Response {
        let b = BadgeText.of(page.language), program = page.program
        let holders = try await badgesStore.holders(program: program.id)
        let list = program.badges.map { badge -> [String: Any] in
            ["id": badge.id, "name": badge.name, "earns": Self.summary(badge, text: b), "holders": page.language.number(holders[badge.id] ?? 0),
             "edit": "/console/\(program.id)/badges?edit=\(PageController.encodeValue(badge.id))#define"]
        }
        var fields = Self.fields(view, actions: program.rules.knownActions.sorted(), text: b)
        let unplaced = ConsoleField.place(view.problems, in: &fields) { field, path in Self.owner(of: path) == field.name }
        var model = page.model(["b": b, "badges": list, "hasBadges": !list.isEmpty, "fields": fields.map(\.model),
                                "problems": unplaced.map { ["field": $0.field, "problem": $0.problem] }, "hasProblems": !unplaced.isEmpty])
        if let notice = view.notice { model["notice"] = notice }
        if let reach = view.reach { model["reach"] = reach }
        return render("console-badges", model, request: request, status: status)
    }

    static let badgeFieldNames = ["badgeId", "name", "description", "type", "actionName", "threshold", "period", "unit", "scope", "tiers"]

    /// The form field a problem's document path belongs to.
    private static func owner(of path: String) -> String {
        if path.hasPrefix("criteria.actions") { return "actions" }
        if path.hasPrefix("tiers") { return "tiers" }
        switch path {
        case "criteria.type": return "type"
        case "criteria.action": return "actionName"
        case "criteria.count", "criteria.points", "criteria.length", "criteria.top": return "threshold"
        case "criteria.period": return "period"
        case "criteria.unit": return "unit"
        case "criteria.scope": return "scope"
        default: return path
        }
    }

    private static func fields(_ view: BadgesView, actions: [String], text b: BadgeText) -> [ConsoleField] {
        func value(_ name: String) -> String { view.draft[name] ?? "" }
        let periods = PeriodKind.tracked.map { ($0.rawValue, $0.rawValue) }
        return [
            ConsoleField(name: "badgeId", label: b.id, kind: .text, value: value("badgeId")),
            ConsoleField(name: "name", label: b.name, kind: .text, value: value("name")),
            ConsoleField(name: "description", label: b.description, kind: .text, value: value("description")),
            ConsoleField(name: "type", label: b.type, kind: .select(b.types), value: value("type").isEmpty ? "actionCount" : value("type")),
            ConsoleField(name: "actionName", label: b.action, kind: .select([("", "—")] + actions.map { ($0, $0) }), value: value("actionName"),
                         help: b.actionHelp),
            ConsoleField(name: "threshold", label: b.threshold, kind: .number, value: value("threshold"), help: b.thresholdHelp),
            ConsoleField(name: "period", label: b.period, kind: .select(periods), value: value("period").isEmpty ? "all" : value("period")),
            ConsoleField(name: "unit", label: b.unit, kind: .select(StreakUnit.allCases.map { ($0.rawValue, $0.rawValue) }), value: value("unit")),
            ConsoleField(name: "actions", label: b.streakActions, kind: .checks(actions.map { ($0, $0) }), value: "", chosen: Set(view.chosenActions)),
            ConsoleField(name: "scope", label: b.scope, kind: .select(RankScope.allCases.map { ($0.rawValue, $0.rawValue) }), value: value("scope")),
            ConsoleField(name: "tiers", label: b.tiers, kind: .textarea, value: value("tiers"), help: b.tiersHelp),
        ]
    }

    /// The badge document the form describes (each criterion type takes its own fields), and the problems of the form
    /// itself (a tier line that is not an id and a number).
    static func document(_ draft: [String: String], actions: [String]) -> (JSONValue, [FieldProblem]) {
        func given(_ name: String) -> String? { draft[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }
        var problems: [FieldProblem] = []
        let type = given("type") ?? ""
        var criteria: [String: JSONValue] = ["type": .string(type)]
        var tiers: [JSONValue] = []
        let thresholdField = Badge.thresholdFields[type]
        for (index, line) in (given("tiers") ?? "").split(whereSeparator: \.isNewline).enumerated() {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" })
            guard parts.count == 2, let threshold = Int64(parts[1]), let thresholdField else {
                problems.append(FieldProblem(field: "tiers[\(index)]", problem: "write a tier as its id and its threshold, such as: gold 200"))
                continue
            }
            tiers.append(.object(["id": .string(String(parts[0])), thresholdField: .integer(threshold)]))
        }
        func add(_ field: String, from name: String) { if let value = given(name) { criteria[field] = .string(value) } }
        switch type {
        case "firstAction": add("action", from: "actionName")
        case "actionCount": add("action", from: "actionName"); add("period", from: "period")
        case "points": add("period", from: "period")
        case "streak":
            add("unit", from: "unit")
            if !actions.isEmpty { criteria["actions"] = .array(actions.map { .string($0) }) }
        case "rank": add("period", from: "period"); add("scope", from: "scope")
        default: break
        }
        if let thresholdField, tiers.isEmpty, let text = given("threshold") {
            criteria[thresholdField] = Int64(text).map { .integer($0) } ?? .string(text)
        }
        var document: [String: JSONValue] = ["criteria": .object(criteria)]
        if let name = given("name") { document["name"] = .string(name) }
        if let description = given("description") { document["description"] = .string(description) }
        if !tiers.isEmpty { document["tiers"] = .array(tiers) }
        return (.object(document), problems)
    }

    /// The form's fields for a badge already defined (to change it).
    static func draft(of badge: Badge) -> ([String: String], [String]) {
        var draft = ["badgeId": badge.id, "name": badge.name, "description": badge.description ?? "", "type": badge.criteria.type]
        var actions: [String] = []
        switch badge.criteria {
        case let .firstAction(action): draft["actionName"] = action
        case let .actionCount(action, period): draft["actionName"] = action; draft["period"] = period.rawValue
        case let .points(period): draft["period"] = period.rawValue
        case let .streak(unit, streakActions): draft["unit"] = unit.rawValue; actions = streakActions
        case let .rank(period, scope): draft["period"] = period.rawValue; draft["scope"] = scope.rawValue
        case .challenge: break
        }
        if badge.tiers.count == 1, badge.tiers[0].id == nil {
            draft["threshold"] = String(badge.tiers[0].threshold)
        } else {
            draft["tiers"] = badge.tiers.map { "\($0.id ?? "") \($0.threshold)" }.joined(separator: "\n")
        }
        return (draft, actions)
    }

    /// What earns a badge, in a line: its type, its action or period, and its thresholds.
    static func summary(_ badge: Badge, text b: BadgeText) -> String {
        let type = b.types.first { $0.value == badge.criteria.type }?.label ?? badge.criteria.type
        var parts = [type]
        switch badge.criteria {
        case let .firstAction(action): parts.append(action)
        case let .actionCount(action, period): parts += [action, period.rawValue]
        case let .points(period): parts.append(period.rawValue)
        case let .streak(unit, actions): parts += [unit.rawValue] + actions
        case let .rank(period, scope): parts += [period.rawValue, scope.rawValue]
        case .challenge: break
        }
        if badge.criteria.thresholdField != nil {
            parts.append(badge.tiers.map { tier in [tier.id, String(tier.threshold)].compactMap { $0 }.joined(separator: " ") }.joined(separator: ", "))
        }
        return parts.joined(separator: " · ")
    }
}

/// The badges page's words.
struct BadgeText: Sendable {
    var badges, none, id, name, description, type, action, actionHelp, threshold, thresholdHelp, period, unit, streakActions, scope: String
    var tiers, tiersHelp, define, preview, save, delete, edit, earns, holders, created, saved, deleted, reach, rankReach: String
    var types: [(value: String, label: String)]

    static func of(_ language: PageLanguage) -> BadgeText {
        switch language {
        case .en:
            BadgeText(badges: "Badges", none: "No badge yet.", id: "Id", name: "Name", description: "Description", type: "Earned by", action: "Action",
                      actionHelp: "For a first action or a count of actions.",
                      threshold: "Threshold", thresholdHelp: "The count, points, streak length or places needed (without tiers).",
                      period: "Within", unit: "Streak of", streakActions: "Streak actions (none: any)", scope: "Ranked on",
                      tiers: "Tiers", tiersHelp: "Optional: one tier a line, its id and its threshold, easiest first (bronze 10).",
                      define: "Define or change a badge", preview: "How many would receive it", save: "Save", delete: "Delete", edit: "Change",
                      earns: "What earns it", holders: "Members holding it", created: "The badge %@ is created: members who already meet it receive it within moments.",
                      saved: "The badge %@ is saved: members who meet it now receive it within moments.", deleted: "The badge %@ is deleted; awards given keep it.",
                      reach: "%@ members meet it now and would receive it at once", rankReach: "A rank badge is given when each period closes, to its best.",
                      types: [("firstAction", "A first action"), ("actionCount", "A number of actions"), ("points", "Points"), ("streak", "A streak"),
                              ("rank", "A place on the board"), ("challenge", "A challenge reached")])
        case .fr:
            BadgeText(badges: "Badges", none: "Aucun badge pour l’instant.", id: "Identifiant", name: "Nom", description: "Description", type: "Obtenu par",
                      action: "Action", actionHelp: "Pour une première action ou un nombre d’actions.",
                      threshold: "Seuil", thresholdHelp: "Le nombre, les points, la longueur de série ou le rang requis (sans paliers).",
                      period: "Sur", unit: "Série de", streakActions: "Actions de la série (aucune : toutes)", scope: "Classé sur",
                      tiers: "Paliers", tiersHelp: "Facultatif : un palier par ligne, son identifiant et son seuil, du plus facile au plus dur (bronze 10).",
                      define: "Définir ou modifier un badge", preview: "Combien le recevraient", save: "Enregistrer", delete: "Supprimer", edit: "Modifier",
                      earns: "Ce qui le fait gagner", holders: "Membres qui l’ont",
                      created: "Le badge %@ est créé : les membres qui le méritent déjà le reçoivent dans un instant.",
                      saved: "Le badge %@ est enregistré : les membres qui le méritent le reçoivent dans un instant.",
                      deleted: "Le badge %@ est supprimé ; les badges déjà remis restent.",
                      reach: "%@ membres le méritent déjà et le recevraient aussitôt", rankReach: "Un badge de rang est remis à la clôture de chaque période, aux meilleurs.",
                      types: [("firstAction", "Une première action"), ("actionCount", "Un nombre d’actions"), ("points", "Des points"), ("streak", "Une série"),
                              ("rank", "Un rang au classement"), ("challenge", "Un défi relevé")])
        }
    }
}
