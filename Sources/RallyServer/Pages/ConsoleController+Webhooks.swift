import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// The console's webhooks page: each webhook with its latest deliveries, defined or replaced through a form (the API's
/// checks, the network's inside refused), deleted, or sent a signed test delivery.
extension ConsoleController {
    func webhooksPage(_ request: Request, _ page: Page, notice: String? = nil, problems: [FieldProblem] = [], draft: [String: Any] = [:],
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let w = WebhookText.of(page.language), program = page.program
        var list: [[String: Any]] = []
        for webhook in try await webhooks.list(program: program.id) {
            let deliveries = try await webhooks.deliveries(program: program.id, id: webhook.id, limit: 5).map { delivery -> [String: Any] in
                ["id": delivery.id, "type": delivery.type, "state": delivery.state.rawValue, "attempts": delivery.attempts,
                 "when": page.time(delivery.createdAt),
                 "last": delivery.lastStatus.map { "HTTP \($0)" } ?? delivery.lastError ?? "—"]
            }
            list.append(["id": webhook.id, "url": webhook.url, "events": webhook.events.map(\.rawValue).joined(separator: ", "),
                         "deliveries": deliveries, "hasDeliveries": !deliveries.isEmpty])
        }
        var model = page.model(["w": w, "webhooks": list, "types": WebhookEventType.allCases.map { type -> [String: Any] in
            ["value": type.rawValue, "checked": (draft["events"] as? [String])?.contains(type.rawValue) ?? false]
        }, "problems": problems.map { ["field": $0.field, "problem": $0.problem] }, "hasProblems": !problems.isEmpty])
        model["draftId"] = draft["id"] as? String ?? ""
        model["draftURL"] = draft["url"] as? String ?? ""
        model["notice"] = notice
        return render("console-webhooks", model, request: request, status: status)
    }

    func webhooks(_ request: Request, _ page: Page, form: ConsoleForm) async throws -> Response {
        let w = WebhookText.of(page.language), program = page.program.id, actor = page.session.keyId
        let id = form["webhookId"] ?? ""
        do {
            switch form["action"] {
            case "delete":
                try await webhooks.delete(program: program, id: id, actor: actor)
                return try await webhooksPage(request, page, notice: String(format: w.deleted, id))
            case "test":
                let delivery = try await webhooks.queueTest(program: program, id: id, actor: actor)
                return try await webhooksPage(request, page, notice: String(format: w.testQueued, id, delivery))
            default:
                let events = form.all("events")
                var problems = Identifier.problems(id, field: "webhookId")
                let input = WebhookController.WebhookInput(url: form["url"] ?? "", events: events, secret: form["secret"] ?? "")
                let (types, found) = await WebhookController.check(input, targets: targets)
                problems += found
                guard problems.isEmpty else {
                    return try await webhooksPage(request, page, problems: problems, draft: ["id": id, "url": input.url, "events": events],
                                                  status: .unprocessableContent)
                }
                _ = try await webhooks.put(program: program, id: id, url: input.url, events: types, secret: input.secret, actor: actor)
                return try await webhooksPage(request, page, notice: String(format: w.saved, id))
            }
        } catch let error as RallyError where error.code == .notFound {
            return try await webhooksPage(request, page, problems: [FieldProblem(field: "webhookId", problem: error.message)], status: .notFound)
        }
    }
}

/// The webhooks page's words.
struct WebhookText: Sendable {
    var webhooks, id, url, events, deliveries, type, state, attempts, when, last, define, secret, secretHelp, save, delete, test: String
    var saved, deleted, testQueued, none: String

    static func of(_ language: PageLanguage) -> WebhookText {
        switch language {
        case .en:
            WebhookText(webhooks: "Webhooks", id: "Id", url: "URL", events: "Events", deliveries: "Latest deliveries", type: "Type", state: "State",
                        attempts: "Attempts", when: "Queued", last: "Last answer", define: "Define or replace a webhook", secret: "Signing secret",
                        secretHelp: "16 to 256 characters; the receiver checks Rally-Signature with it. It is never shown again.",
                        save: "Save", delete: "Delete", test: "Send a test", saved: "The webhook %@ is saved.", deleted: "The webhook %@ is deleted.",
                        testQueued: "A test delivery to %@ is queued (%@).", none: "No webhook yet.")
        case .fr:
            WebhookText(webhooks: "Webhooks", id: "Identifiant", url: "URL", events: "Événements", deliveries: "Derniers envois", type: "Type",
                        state: "État", attempts: "Tentatives", when: "En file depuis", last: "Dernière réponse", define: "Définir ou remplacer un webhook",
                        secret: "Secret de signature",
                        secretHelp: "16 à 256 caractères ; le destinataire vérifie Rally-Signature avec lui. Il n’est plus jamais affiché.",
                        save: "Enregistrer", delete: "Supprimer", test: "Envoyer un test", saved: "Le webhook %@ est enregistré.",
                        deleted: "Le webhook %@ est supprimé.", testQueued: "Un envoi de test vers %@ est en file (%@).", none: "Aucun webhook pour l’instant.")
        }
    }
}
