import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// The console's integrity page: the open flags, oldest first, each with its rule, evidence, events and held points,
/// dismissed (held points released) or confirmed (its events retracted) from a button, as the signed-in key.
extension ConsoleController {
    func flagsPage(_ request: Request, _ page: Page, notice: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let f = FlagText.of(page.language)
        let (open, _) = try await flags.list(program: page.program.id, status: .open, memberId: nil, limit: 200, after: nil)
        let queue = open.map { flag -> [String: Any] in
            ["id": flag.id, "memberId": flag.memberId, "rule": flag.rule.rawValue, "ruleName": f.name(flag.rule), "summary": f.evidence(flag),
             "events": flag.eventIds.joined(separator: ", "), "heldPoints": flag.heldPoints, "when": page.time(flag.createdAt)]
        }
        var model = page.model(["f": f, "queue": queue, "hasQueue": !queue.isEmpty])
        model["notice"] = notice
        return render("console-flags", model, request: request, status: status)
    }

    func reviewFlag(_ request: Request, _ page: Page, form: ConsoleForm) async throws -> Response {
        let f = FlagText.of(page.language)
        guard let verdict = form["action"].flatMap(FlagVerdict.init(rawValue:)) else {
            return try await flagsPage(request, page, notice: f.unknownAction, status: .unprocessableContent)
        }
        let id = form["flagId"] ?? ""
        do {
            let flag = try await writer.review(program: page.program, flagId: id, verdict: verdict, actor: page.session.keyId)
            return try await flagsPage(request, page, notice: String(format: f.reviewed, flag.id, flag.status.rawValue))
        } catch let error as RallyError where [.notFound, .conflict].contains(error.code) {
            return try await flagsPage(request, page, notice: error.message, status: error.code == .notFound ? .notFound : .conflict)
        }
    }

    static let flagsTemplate = """
        {{<console}}{{$content}}
        <h1>{{f.flags}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <p>{{f.intro}}</p>
        {{^hasQueue}}<p>{{f.empty}}</p>{{/hasQueue}}
        {{#hasQueue}}<div class="wide" tabindex="0" role="region" aria-label="{{f.flags}}"><table data-flags><caption>{{f.queue}}</caption><thead><tr>
        <th scope="col">{{f.when}}</th><th scope="col">{{f.member}}</th><th scope="col">{{f.rule}}</th><th scope="col">{{f.evidence}}</th>
        <th scope="col">{{f.events}}</th><th scope="col" class="num">{{f.held}}</th><th scope="col"><span class="visually-hidden">{{f.verdicts}}</span></th></tr></thead>
        <tbody>{{#queue}}<tr data-flag-id="{{id}}" data-rule="{{rule}}"><td>{{#when}}<time datetime="{{stamp}}">{{text}}</time>{{/when}}</td>
        <th scope="row">{{memberId}}</th><td>{{ruleName}}</td><td>{{summary}}</td><td>{{events}}</td><td class="num">{{heldPoints}}</td>
        <td><form method="post" action="/console/{{programId}}/flags" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="flagId" value="{{id}}"><button type="submit" name="action" value="dismiss">{{f.dismiss}}</button>
        <button type="submit" name="action" value="confirm">{{f.confirm}}</button></form></td></tr>{{/queue}}</tbody></table></div>{{/hasQueue}}
        {{/content}}{{/console}}
        """
}

/// The integrity page's words.
struct FlagText: Sendable {
    var flags, intro, queue, empty, when, member, rule, evidence, events, held, verdicts, dismiss, confirm, reviewed, unknownAction: String
    /// Each rule's name, and what its evidence says (`%@` in order: its numbers, as the rule names them below).
    var names: [IntegrityRule: String]
    var burst, pair, repeated, ownContent: String

    func name(_ rule: IntegrityRule) -> String { names[rule] ?? rule.rawValue }

    /// What a flag's evidence says, in this language; the stored summary (English) for evidence it cannot read.
    func evidence(_ flag: IntegrityFlag) -> String {
        guard case let .object(fields) = flag.evidence else { return "" }
        func text(_ name: String) -> String? {
            switch fields[name] {
            case let .string(value)?: value
            case let .integer(value)?: String(value)
            default: nil
            }
        }
        let found: String? = switch flag.rule {
        case .burstPerMinute: text("count").flatMap { count in text("limit").map { String(format: burst, count, $0) } }
        case .pairPerDay: [text("count"), text("otherMemberId"), text("day"), text("limit")].allSatisfy { $0 != nil }
            ? String(format: pair, text("count")!, text("otherMemberId")!, text("day")!, text("limit")!) : nil
        case .repeatedContent: text("contentId").map { String(format: repeated, $0) }
        case .selfEngagement: text("action").flatMap { action in text("contentId").map { String(format: ownContent, action, $0) } }
        }
        return found ?? text("summary") ?? ""
    }

    static func of(_ language: PageLanguage) -> FlagText {
        switch language {
        case .en:
            FlagText(flags: "Integrity flags", intro: "Patterns no person makes, raised by the program's integrity rules. Dismissing releases the points held; confirming retracts the events.",
                     queue: "Flags to review", empty: "No flag to review.", when: "Raised", member: "Member", rule: "Rule", evidence: "Evidence",
                     events: "Events", held: "Points held", verdicts: "Verdicts", dismiss: "Dismiss and release", confirm: "Confirm and retract",
                     reviewed: "The flag %@ is now %@.", unknownAction: "Choose dismiss or confirm.",
                     names: [.burstPerMinute: "Bursts", .pairPerDay: "Pairs", .repeatedContent: "Repeated content", .selfEngagement: "Own content"],
                     burst: "%@ events within a minute (limit %@)", pair: "%@ likes and comments with %@ on %@ (limit %@)",
                     repeated: "content %@ posted again", ownContent: "%@ on their own content %@")
        case .fr:
            FlagText(flags: "Signalements d’intégrité", intro: "Des comportements qu’aucune personne n’a, relevés par les règles d’intégrité du programme. Classer libère les points retenus ; confirmer retire les événements.",
                     queue: "Signalements à traiter", empty: "Aucun signalement à traiter.", when: "Relevé", member: "Membre", rule: "Règle",
                     evidence: "Constat", events: "Événements", held: "Points retenus", verdicts: "Décisions", dismiss: "Classer et libérer",
                     confirm: "Confirmer et retirer", reviewed: "Le signalement %@ est maintenant %@.", unknownAction: "Choisissez classer ou confirmer.",
                     names: [.burstPerMinute: "Rafales", .pairPerDay: "Paires", .repeatedContent: "Contenu republié", .selfEngagement: "Son propre contenu"],
                     burst: "%@ événements en une minute (limite %@)", pair: "%@ j’aime et commentaires avec %@ le %@ (limite %@)",
                     repeated: "contenu %@ publié à nouveau", ownContent: "%@ sur son propre contenu %@")
        }
    }
}
