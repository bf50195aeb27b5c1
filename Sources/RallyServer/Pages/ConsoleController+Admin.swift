import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// The console's keys, members and audit pages: what the API's admin routes do, as forms, made as the signed-in key.
extension ConsoleController {
    // MARK: - Keys

    func keysPage(_ request: Request, _ page: Page, secret: String? = nil, notice: String? = nil, problems: [FieldProblem] = [],
                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let c = ConsoleAdminText.of(page.language), program = page.program
        let keys = try await self.keys.list(program: program.id).map { key -> [String: Any] in
            ["id": key.id, "role": key.role.rawValue, "label": key.label ?? "", "rateLimit": key.rateLimit.map(String.init) ?? "—",
             "lastUsed": key.lastUsedAt.map(page.time) as Any, "revoked": key.revokedAt.map(page.time) as Any, "live": key.revokedAt == nil]
        }
        var model = page.model(["c": c, "keys": keys, "problems": problems.map { ["field": $0.field, "problem": $0.problem] }, "hasProblems": !problems.isEmpty])
        model["secret"] = secret
        model["notice"] = notice
        return render("console-keys", model, request: request, status: status)
    }

    func keys(_ request: Request, _ page: Page, form: ConsoleForm) async throws -> Response {
        let c = ConsoleAdminText.of(page.language), program = page.program.id
        do {
            switch form["action"] {
            case "revoke":
                guard let keyId = form["keyId"] else { throw RallyError.validation([FieldProblem(field: "keyId", problem: "is required")]) }
                try await keys.revoke(program: program, keyId: keyId, actor: page.session.keyId)
                return try await keysPage(request, page, notice: String(format: c.revokedNotice, keyId))
            default:
                guard let role = KeyRole(rawValue: form["role"] ?? "") else {
                    throw RallyError.validation([FieldProblem(field: "role", problem: "must be one of ingest, read, admin")])
                }
                var rateLimit: Int?
                if let text = form["rateLimit"] {
                    guard let value = Int(text), (1...keyRateLimitMaximum).contains(value) else {
                        throw RallyError.validation([FieldProblem(field: "rateLimit", problem: "must be a number from 1 to \(keyRateLimitMaximum)")])
                    }
                    rateLimit = value
                }
                let key = try await keys.create(program: program, role: role, label: form["label"], rateLimit: rateLimit, actor: page.session.keyId)
                return try await keysPage(request, page, secret: key.secret)
            }
        } catch let error as RallyError where [.validationFailed, .notFound].contains(error.code) {
            let problems = error.details.isEmpty ? [FieldProblem(field: "keyId", problem: error.message)] : error.details
            return try await keysPage(request, page, problems: problems, status: error.code == .notFound ? .notFound : .unprocessableContent)
        }
    }

    // MARK: - Members

    /// The search form, what `search` finds, and `memberId`'s profile with its export and erasure.
    func membersPage(_ request: Request, _ page: Page, search: String?, memberId: String?, notice: String? = nil, confirmProblem: String? = nil,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let c = ConsoleAdminText.of(page.language), program = page.program
        var model = page.model(["c": c, "q": search ?? ""])
        model["notice"] = notice
        if let text = search {
            model["searched"] = true
            model["found"] = try await members.search(program: program.id, text: String(text.prefix(128)), limit: 50).map { id, profile -> [String: Any] in
                ["id": id, "name": profile.displayName ?? "", "team": profile.team ?? "", "region": profile.region ?? ""]
            }
        }
        if let memberId, Identifier.isValid(memberId) {
            let member = try await members.member(program, memberId: memberId)
            let facts: [(String, String)] = [(c.team, member.profile.team ?? "—"), (c.region, member.profile.region ?? "—"),
                                             (c.enrolled, member.profile.enrolled ? c.yes : c.no), (c.visibility, member.profile.visibility.rawValue),
                                             (c.points, member.points.lifetime.formatted(.number.locale(page.language.locale)))]
            var shown: [String: Any] = ["id": memberId, "name": member.profile.displayName ?? memberId,
                                        "facts": facts.map { ["label": $0.0, "value": $0.1] }]
            shown["confirmProblem"] = confirmProblem
            model["member"] = shown
        }
        return render("console-members", model, request: request, status: status)
    }

    func members(_ request: Request, _ page: Page, form: ConsoleForm) async throws -> Response {
        let c = ConsoleAdminText.of(page.language)
        guard form["action"] == "erase", let memberId = form["member"], Identifier.isValid(memberId) else {
            throw RallyError.validation([FieldProblem(field: "member", problem: "is required")])
        }
        guard form["confirm"] == memberId else {
            return try await membersPage(request, page, search: nil, memberId: memberId, confirmProblem: c.confirmMismatch, status: .unprocessableContent)
        }
        try await members.erase(program: page.program.id, memberId: memberId, actor: page.session.keyId)
        return try await membersPage(request, page, search: nil, memberId: nil, notice: String(format: c.erased, memberId))
    }

    func memberExport(_ request: Request, _ page: Page) async throws -> Response {
        guard let memberId = Query(request).value("member"), Identifier.isValid(memberId) else { throw RallyError(.notFound, "no such member") }
        let document = try await members.export(program: page.program.id, memberId: memberId)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store",
                                               .contentDisposition: "attachment; filename=\"\(page.program.id)-\(memberId).json\""],
                        body: .init(byteBuffer: ByteBuffer(string: document)))
    }

    // MARK: - Audit

    func auditPage(_ request: Request, _ page: Page) async throws -> Response {
        let c = ConsoleAdminText.of(page.language), program = page.program, query = Query(request)
        let action = query.value("action").map { String($0.prefix(100)) }, actor = query.value("actor").map { String($0.prefix(100)) }
        let (entries, next) = try await audit.page(program: program.id, limit: 50, before: try query.cursor(), action: action, actor: actor)
        var model = page.model(["c": c, "action": action ?? "", "actor": actor ?? "",
                                "entries": entries.map { entry -> [String: Any] in
                                    ["id": String(entry.id), "at": page.time(entry.at), "actor": entry.actor, "action": entry.action,
                                     "target": entry.target, "before": entry.before ?? "—", "after": entry.after ?? "—"]
                                }])
        if let next {
            var options = [("cursor", String(next))]
            if let action { options.append(("action", action)) }
            if let actor { options.append(("actor", actor)) }
            model["older"] = "/console/\(program.id)/audit?" + PageController.encode(options)
        }
        return render("console-audit", model, request: request)
    }
}
