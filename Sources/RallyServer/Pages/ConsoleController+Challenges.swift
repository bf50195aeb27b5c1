import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// The console's challenges page: each challenge with its progress, who it counts and whether it was reached, and a form
/// holding a challenge's document as JSON (the API's checks, each problem named by its path) to define or replace one.
extension ConsoleController {
    func challengesPage(_ request: Request, _ page: Page, notice: String? = nil, problems: [FieldProblem] = [], draft: [String: String] = [:],
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let c = ChallengeText.of(page.language), program = page.program
        func number(_ value: Int64) -> String { value.formatted(.number.locale(page.language.locale)) }
        let list = try await challenges.list(program: program.id).map { view -> [String: Any] in
            let challenge = view.challenge
            let scope = switch challenge.scope {
            case .program: c.everyone
            case let .team(team): String(format: c.team, team)
            case let .region(region): String(format: c.region, region)
            }
            let metric = switch challenge.metric {
            case let .action(action): String(format: c.count, action)
            case .points: c.points
            }
            var model: [String: Any] = ["id": challenge.id, "name": challenge.name, "scope": scope, "metric": metric,
                                        "target": challenge.target, "progress": min(view.standing.progress, challenge.target),
                                        "state": "\(number(view.standing.progress)) / \(number(challenge.target))",
                                        "contributors": number(Int64(view.standing.contributors)),
                                        "from": page.time(challenge.from), "to": page.time(challenge.to)]
            model["reachedAt"] = view.reachedAt.map(page.time)
            return model
        }
        let example = """
            {"name": "Sales: 500 shares in December", "scope": {"team": "Sales"}, "metric": {"action": "share"}, "target": 500,
             "from": "2026-12-01T00:00:00+01:00", "to": "2027-01-01T00:00:00+01:00"}
            """
        var model = page.model(["c": c, "challenges": list, "hasChallenges": !list.isEmpty,
                                "problems": problems.map { ["field": $0.field, "problem": $0.problem] }, "hasProblems": !problems.isEmpty,
                                "draftId": draft["challengeId"] ?? "", "draftDocument": draft["document"] ?? example])
        model["notice"] = notice
        return render("console-challenges", model, request: request, status: status)
    }

    func challenges(_ request: Request, _ page: Page, form: ConsoleForm) async throws -> Response {
        let c = ChallengeText.of(page.language), id = form["challengeId"] ?? "", text = form["document"] ?? ""
        let draft = ["challengeId": id, "document": text]
        var problems = Identifier.problems(id, field: "challengeId")
        let program = try await programs.fresh(page.program.id)
        var challenge: Challenge?
        if let document = JSONValue(text: text) {
            let badges = Set(program.badges.filter { $0.criteria == .challenge }.map(\.id))
            switch Challenge.parse(document, id: id, knownActions: program.rules.knownActions, challengeBadges: badges) {
            case let .success(parsed): challenge = parsed
            case let .failure(failure): problems += failure.problems
            }
        } else {
            problems.append(FieldProblem(field: "document", problem: "must be a JSON object"))
        }
        guard problems.isEmpty, let challenge else {
            return try await challengesPage(request, page, problems: problems, draft: draft, status: .unprocessableContent)
        }
        _ = try await challenges.put(program: program.id, challenge, actor: page.session.keyId)
        return try await challengesPage(request, page, notice: String(format: c.saved, challenge.id))
    }

    static let challengesTemplate = """
        {{<console}}{{$content}}
        <h1>{{c.challenges}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{^hasChallenges}}<p>{{c.none}}</p>{{/hasChallenges}}
        {{#hasChallenges}}<div class="wide" tabindex="0" role="region" aria-label="{{c.challenges}}"><table data-challenges><caption>{{c.challenges}}</caption><thead><tr><th scope="col">{{c.name}}</th><th scope="col">{{c.who}}</th>
        <th scope="col">{{c.what}}</th><th scope="col">{{c.window}}</th><th scope="col">{{c.progress}}</th><th scope="col" class="num">{{c.contributors}}</th>
        <th scope="col">{{c.reached}}</th></tr></thead>
        <tbody>{{#challenges}}<tr data-challenge-id="{{id}}"><th scope="row">{{name}} <code>{{id}}</code></th><td>{{scope}}</td><td>{{metric}}</td>
        <td>{{#from}}<time datetime="{{stamp}}">{{text}}</time>{{/from}} – {{#to}}<time datetime="{{stamp}}">{{text}}</time>{{/to}}</td>
        <td><progress max="{{target}}" value="{{progress}}" aria-label="{{name}}: {{state}}"></progress> {{state}}</td><td class="num">{{contributors}}</td>
        <td>{{#reachedAt}}<time datetime="{{stamp}}">{{text}}</time>{{/reachedAt}}{{^reachedAt}}—{{/reachedAt}}</td></tr>{{/challenges}}</tbody></table></div>{{/hasChallenges}}
        <h2>{{c.define}}</h2>
        {{#hasProblems}}<div role="alert"><ul class="problems">{{#problems}}<li data-field="{{field}}"><code>{{field}}</code> {{problem}}</li>{{/problems}}</ul></div>{{/hasProblems}}
        <form method="post" action="/console/{{programId}}/challenges" class="fields" novalidate>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>{{c.id}} <input type="text" name="challengeId" value="{{draftId}}" required maxlength="128"></label>
        <label>{{c.document}} <textarea name="document" rows="8" aria-describedby="challenge-help">{{draftDocument}}</textarea></label>
        <p id="challenge-help" class="help">{{c.help}}</p>
        <p class="actions"><button type="submit" name="action" value="save">{{c.save}}</button></p>
        </form>
        {{/content}}{{/console}}
        """
}

/// The challenges page's words.
struct ChallengeText: Sendable {
    var challenges, none, name, who, what, window, progress, contributors, reached, everyone, team, region, count, points: String
    var define, id, document, help, save, saved: String

    static func of(_ language: PageLanguage) -> ChallengeText {
        switch language {
        case .en:
            ChallengeText(challenges: "Challenges", none: "No challenge yet.", name: "Challenge", who: "Counts", what: "Metric", window: "When",
                          progress: "Progress", contributors: "Contributors", reached: "Reached", everyone: "everyone", team: "team %@",
                          region: "region %@", count: "“%@” events", points: "points", define: "Define or replace a challenge", id: "Id",
                          document: "The challenge, as the API takes it (JSON)",
                          help: "scope {} or {\"team\": …} or {\"region\": …}; metric {\"action\": …} or {\"points\": true}; from and to with an offset; badgeId: a badge of type challenge.",
                          save: "Save", saved: "The challenge %@ is saved.")
        case .fr:
            ChallengeText(challenges: "Défis", none: "Aucun défi pour l’instant.", name: "Défi", who: "Compte", what: "Mesure", window: "Quand",
                          progress: "Progression", contributors: "Contributeurs", reached: "Relevé", everyone: "tout le monde", team: "équipe %@",
                          region: "région %@", count: "événements « %@ »", points: "points", define: "Définir ou remplacer un défi",
                          id: "Identifiant", document: "Le défi, tel que l’API le reçoit (JSON)",
                          help: "scope {} ou {\"team\": …} ou {\"region\": …} ; metric {\"action\": …} ou {\"points\": true} ; from et to avec un décalage horaire ; badgeId : un badge de type challenge.",
                          save: "Enregistrer", saved: "Le défi %@ est enregistré.")
        }
    }
}
