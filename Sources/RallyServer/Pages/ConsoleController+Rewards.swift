import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// The console's rewards page: the catalogue, a form to define or replace a reward (the API's checks, each problem
/// beside its field), and the review queue — redemptions still pending or approved, oldest first, each approved,
/// rejected (refunded) or fulfilled from a button, as the signed-in key.
extension ConsoleController {
    func rewardsPage(_ request: Request, _ page: Page, notice: String? = nil, problems: [FieldProblem] = [], draft: [String: String] = [:],
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let r = RewardText.of(page.language), program = page.program.id
        let catalogue = try await rewards.list(program: program).map { reward -> [String: Any] in
            ["id": reward.id, "name": reward.name, "cost": reward.cost, "stock": reward.stock.map(String.init) ?? r.unlimited,
             "active": reward.active ? r.yes : r.no]
        }
        var queue: [[String: Any]] = []
        for state in [RedemptionStatus.pending, .approved] {
            let (found, _) = try await rewards.redemptions(program: program, status: state, memberId: nil, limit: 100, after: nil)
            queue += found.map { redemption in
                ["id": redemption.id, "memberId": redemption.memberId, "rewardId": redemption.rewardId, "cost": redemption.cost,
                 "status": redemption.status.rawValue, "when": page.time(redemption.createdAt),
                 "canApprove": redemption.status == .pending] as [String: Any]
            }
        }
        let fields = [
            ConsoleField(name: "rewardId", label: r.id, kind: .text, value: draft["rewardId"] ?? ""),
            ConsoleField(name: "name", label: r.name, kind: .text, value: draft["name"] ?? ""),
            ConsoleField(name: "cost", label: r.cost, kind: .number, value: draft["cost"] ?? ""),
            ConsoleField(name: "stock", label: r.stock, kind: .number, value: draft["stock"] ?? "", help: r.stockHelp),
            ConsoleField(name: "active", label: r.active, kind: .select([("true", r.yes), ("false", r.no)]), value: draft["active"] ?? "true"),
        ].map { field in
            var field = field
            field.problems = problems.filter { $0.field == field.name }
            return field.model
        }
        var model = page.model(["r": r, "rewards": catalogue, "hasRewards": !catalogue.isEmpty, "queue": queue, "hasQueue": !queue.isEmpty,
                                "fields": fields])
        model["notice"] = notice
        return render("console-rewards", model, request: request, status: status)
    }

    func rewards(_ request: Request, _ page: Page, form: ConsoleForm) async throws -> Response {
        let r = RewardText.of(page.language), actor = page.session.keyId
        if let step = form["action"].flatMap(RedemptionStep.init(rawValue:)) {
            let id = form["redemptionId"] ?? ""
            do {
                let (redemption, _) = try await rewards.take(step, program: page.program, id: id, actor: actor)
                return try await rewardsPage(request, page, notice: String(format: r.stepped, id, redemption.status.rawValue))
            } catch let error as RallyError where [.notFound, .conflict].contains(error.code) {
                return try await rewardsPage(request, page, notice: error.message, status: error.code == .notFound ? .notFound : .conflict)
            }
        }
        let draft = ["rewardId": form["rewardId"] ?? "", "name": form["name"] ?? "", "cost": form["cost"] ?? "", "stock": form["stock"] ?? "",
                     "active": form["active"] ?? "true"]
        var problems = Identifier.problems(draft["rewardId"]!, field: "rewardId")
        let cost = Int64(draft["cost"]!), stock = Int64(draft["stock"]!)
        if cost == nil && !draft["cost"]!.isEmpty { problems.append(FieldProblem(field: "cost", problem: "must be a whole number of points")) }
        if stock == nil && !draft["stock"]!.isEmpty { problems.append(FieldProblem(field: "stock", problem: "must be a whole number, or empty for no limit")) }
        let reward = RewardDraft(name: form["name"], cost: cost, stock: stock, active: draft["active"] != "false").validated(id: draft["rewardId"]!)
        if case let .failure(failure) = reward {
            let named = Set(problems.map(\.field))
            problems += failure.problems.filter { !named.contains($0.field) }
        }
        guard problems.isEmpty, case let .success(valid) = reward else {
            return try await rewardsPage(request, page, problems: problems, draft: draft, status: .unprocessableContent)
        }
        _ = try await rewards.put(program: page.program.id, valid, actor: actor)
        return try await rewardsPage(request, page, notice: String(format: r.saved, valid.id))
    }

    static let rewardsTemplate = """
        {{<console}}{{$content}}
        <h1>{{r.rewards}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <h2>{{r.queue}}</h2>
        {{^hasQueue}}<p>{{r.emptyQueue}}</p>{{/hasQueue}}
        {{#hasQueue}}<div class="wide" tabindex="0" role="region" aria-label="{{r.queue}}"><table data-redemptions><caption>{{r.queue}}</caption><thead><tr><th scope="col">{{r.when}}</th><th scope="col">{{r.redemption}}</th>
        <th scope="col">{{r.member}}</th><th scope="col">{{r.reward}}</th><th scope="col" class="num">{{r.cost}}</th><th scope="col">{{r.status}}</th>
        <th scope="col"><span class="visually-hidden">{{r.steps}}</span></th></tr></thead>
        <tbody>{{#queue}}<tr data-redemption-id="{{id}}" data-status="{{status}}"><td>{{#when}}<time datetime="{{stamp}}">{{text}}</time>{{/when}}</td>
        <th scope="row"><code>{{id}}</code></th><td>{{memberId}}</td><td>{{rewardId}}</td><td class="num">{{cost}}</td><td>{{status}}</td>
        <td><form method="post" action="/console/{{programId}}/rewards" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="redemptionId" value="{{id}}">{{#canApprove}}<button type="submit" name="action" value="approve">{{r.approve}}</button> {{/canApprove}}
        <button type="submit" name="action" value="fulfil">{{r.fulfil}}</button> <button type="submit" name="action" value="reject">{{r.reject}}</button></form></td>
        </tr>{{/queue}}</tbody></table></div>{{/hasQueue}}
        <h2>{{r.catalogue}}</h2>
        {{^hasRewards}}<p>{{r.none}}</p>{{/hasRewards}}
        {{#hasRewards}}<div class="wide" tabindex="0" role="region" aria-label="{{r.catalogue}}"><table data-rewards><caption>{{r.catalogue}}</caption><thead><tr><th scope="col">{{r.id}}</th><th scope="col">{{r.name}}</th>
        <th scope="col" class="num">{{r.cost}}</th><th scope="col" class="num">{{r.stock}}</th><th scope="col">{{r.active}}</th></tr></thead>
        <tbody>{{#rewards}}<tr data-reward-id="{{id}}"><td><code>{{id}}</code></td><th scope="row">{{name}}</th><td class="num">{{cost}}</td>
        <td class="num">{{stock}}</td><td>{{active}}</td></tr>{{/rewards}}</tbody></table></div>{{/hasRewards}}
        <h2>{{r.define}}</h2>
        <form method="post" action="/console/{{programId}}/rewards" class="fields" novalidate>
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#fields}}{{>field}}{{/fields}}
        <p class="actions"><button type="submit" name="action" value="save">{{r.save}}</button></p>
        </form>
        {{/content}}{{/console}}
        """
}

/// The rewards page's words.
struct RewardText: Sendable {
    var rewards, queue, emptyQueue, when, redemption, member, reward, cost, status, steps, approve, fulfil, reject: String
    var catalogue, none, id, name, stock, stockHelp, active, yes, no, unlimited, define, save, saved, stepped: String

    static func of(_ language: PageLanguage) -> RewardText {
        switch language {
        case .en:
            RewardText(rewards: "Rewards", queue: "Redemptions to review", emptyQueue: "Nothing to review.", when: "Asked", redemption: "Redemption",
                       member: "Member", reward: "Reward", cost: "Cost", status: "Status", steps: "Steps", approve: "Approve", fulfil: "Fulfilled",
                       reject: "Reject and refund", catalogue: "Catalogue", none: "No reward yet.", id: "Id", name: "Name", stock: "Stock",
                       stockHelp: "Units left from now on; empty for no limit.", active: "Active", yes: "yes", no: "no", unlimited: "no limit",
                       define: "Define or replace a reward", save: "Save", saved: "The reward %@ is saved.", stepped: "The redemption %@ is now %@.")
        case .fr:
            RewardText(rewards: "Récompenses", queue: "Demandes à traiter", emptyQueue: "Rien à traiter.", when: "Demandée", redemption: "Demande",
                       member: "Membre", reward: "Récompense", cost: "Coût", status: "État", steps: "Actions", approve: "Approuver",
                       fulfil: "Remise", reject: "Refuser et rembourser", catalogue: "Catalogue", none: "Aucune récompense pour l’instant.",
                       id: "Identifiant", name: "Nom", stock: "Stock", stockHelp: "Unités restantes à partir de maintenant ; vide pour illimité.",
                       active: "Active", yes: "oui", no: "non", unlimited: "illimité", define: "Définir ou remplacer une récompense",
                       save: "Enregistrer", saved: "La récompense %@ est enregistrée.", stepped: "La demande %@ est maintenant %@.")
        }
    }
}
