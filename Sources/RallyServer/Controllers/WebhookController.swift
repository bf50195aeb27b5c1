import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// `/v1/programs/{programId}/webhooks`: where a program's platforms hear of awards, levels, retractions and closed
/// periods (admin only), and the deliveries made to each.
struct WebhookController {
    let webhooks: WebhookStore
    let targets: WebhookTargets

    struct WebhookInput: Decodable {
        var url: String
        var events: [String]
        var secret: String
    }

    struct WebhookBody: JSONWritable {
        var webhook: Webhook
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("webhookId", webhook.id)
                json.field("url", webhook.url)
                json.key("events")
                json.array(webhook.events) { json, type in json.string(type.rawValue) }
                json.field("createdAt", RFC3339.format(webhook.createdAt, in: timeZone))
                json.field("updatedAt", RFC3339.format(webhook.updatedAt, in: timeZone))
            }
        }
    }

    struct DeliveryBody: JSONWritable {
        var delivery: WebhookDelivery
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", delivery.id)
                json.field("type", delivery.type)
                json.field("status", delivery.state.rawValue)
                json.field("attempts", delivery.attempts)
                json.field("createdAt", RFC3339.format(delivery.createdAt, in: timeZone))
                json.field("lastAttemptAt", delivery.lastAttemptAt.map { RFC3339.format($0, in: timeZone) })
                json.field("lastStatus", delivery.lastStatus)
                json.field("lastError", delivery.lastError)
                json.field("nextAttemptAt", delivery.nextAttemptAt.map { RFC3339.format($0, in: timeZone) })
                json.field("deliveredAt", delivery.deliveredAt.map { RFC3339.format($0, in: timeZone) })
            }
        }
    }

    var routes: [Route] {
        [
            Route(.get, "", .program([.admin]), list),
            Route(.put, ":webhookId", .program([.admin]), put),
            Route(.delete, ":webhookId", .program([.admin]), delete),
            Route(.get, ":webhookId/deliveries", .program([.admin]), deliveries),
        ]
    }

    /// Creates (201) or replaces (200) a webhook; the secret is never shown again.
    @Sendable func put(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let webhookId = try context.pathIdentifier("webhookId")
        let input = try await JSONBody.decode(WebhookInput.self, from: request, context: context)
        let (events, problems) = await Self.check(input, targets: targets)
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        let (webhook, created) = try await webhooks.put(program: program.id, id: webhookId, url: input.url, events: events, secret: input.secret,
                                                      actor: context.actor)
        context.logger.info("webhook \(created ? "created" : "changed")", metadata: ["program": "\(program.id)", "webhook": "\(webhookId)"])
        return JSONResponse.make(WebhookBody(webhook: webhook, timeZone: program.timeZone), status: created ? .created : .ok)
    }

    /// `validate`, then whether the URL's host reaches inside the network (`WebhookTargets`).
    static func check(_ input: WebhookInput, targets: WebhookTargets) async -> ([WebhookEventType], [FieldProblem]) {
        var (events, problems) = validate(input)
        if problems.isEmpty, let refusal = await targets.problem(host: URLComponents(string: input.url)?.host ?? "") {
            problems.append(FieldProblem(field: "url", problem: "must not reach inside the network: \(refusal)"))
        }
        return (events, problems)
    }

    /// Every problem of a webhook document: an http(s) URL with a host, known and distinct event types, a secret of 16 to
    /// 256 printable characters.
    static func validate(_ input: WebhookInput) -> ([WebhookEventType], [FieldProblem]) {
        var problems: [FieldProblem] = []
        if input.url.utf8.count > 2048 || CallerText.problem(input.url, maximumLength: 2048) != nil
            || !["http", "https"].contains(URLComponents(string: input.url)?.scheme?.lowercased() ?? "")
            || (URLComponents(string: input.url)?.host ?? "").isEmpty {
            problems.append(FieldProblem(field: "url", problem: "must be an http:// or https:// URL with a host, at most 2048 characters"))
        }
        var events: [WebhookEventType] = []
        if input.events.isEmpty { problems.append(FieldProblem(field: "events", problem: "must name at least one event type")) }
        for (index, name) in input.events.enumerated() {
            guard let type = WebhookEventType(rawValue: name) else {
                problems.append(FieldProblem(field: "events[\(index)]",
                                             problem: "must be one of: \(WebhookEventType.allCases.map(\.rawValue).joined(separator: ", "))"))
                continue
            }
            if events.contains(type) { problems.append(FieldProblem(field: "events[\(index)]", problem: "is named twice")) } else { events.append(type) }
        }
        if !(16...256).contains(input.secret.count) || CallerText.problem(input.secret, maximumLength: 256) != nil {
            problems.append(FieldProblem(field: "secret", problem: "must be 16 to 256 printable characters"))
        }
        return (events, problems)
    }

    @Sendable func list(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let list = try await webhooks.list(program: program.id)
        return JSONResponse.make(ListBody(name: "webhooks", items: list.map { WebhookBody(webhook: $0, timeZone: program.timeZone) }), status: .ok)
    }

    @Sendable func delete(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let webhookId = try context.pathIdentifier("webhookId")
        try await webhooks.delete(program: program.id, id: webhookId, actor: context.actor)
        context.logger.info("webhook deleted", metadata: ["program": "\(program.id)", "webhook": "\(webhookId)"])
        return Response(status: .noContent)
    }

    /// The webhook's most recent deliveries, newest first (`limit` 1-100, default 20).
    @Sendable func deliveries(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let webhookId = try context.pathIdentifier("webhookId")
        let limit = try Query(request).integer("limit", default: 20, range: 1...100)
        let list = try await webhooks.deliveries(program: program.id, id: webhookId, limit: limit)
        return JSONResponse.make(ListBody(name: "deliveries", items: list.map { DeliveryBody(delivery: $0, timeZone: program.timeZone) }), status: .ok)
    }
}
