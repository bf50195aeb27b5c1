import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import RallyAnalytics
import RallyCore
import RallyLedger
import RallyStorage

/// HR's console (`/console/…`): an admin key entered once at sign-in opens a session (a signed cookie naming the key);
/// every form carries a CSRF token and every POST from another origin is refused; each change is made, and audited, as
/// the signed-in key. Sits beside the JSON API, as the pages do.
struct ConsoleController: Sendable {
    let programs: ProgramStore
    let keys: KeyStore
    let members: MemberStore
    let audit: AuditLog
    let analytics: AnalyticsStore
    let webhooks: WebhookStore
    let badgesStore: BadgeStore
    let rewards: RewardStore
    let challenges: ChallengeStore
    let flags: FlagStore
    /// Reviews flags on their members' lanes.
    let writer: EventWriter
    let targets: WebhookTargets
    let sessions: ConsoleSessions
    let keyRateLimitMaximum: Int
    let library: MustacheLibrary

    static let sessionCookie = "rally_console"
    static let nonceCookie = "rally_sign_in"

    func mount(on router: Router<RallyRequestContext>) {
        router.get("console") { _, _ in Self.redirect("/console/login") }
        router.get("console/login") { request, _ in signInPage(request, error: nil, status: .ok) }
        router.post("console/login") { request, context in await handle(request, context) { try await signIn(request, context) } }
        router.post("console/logout") { request, context in await handle(request, context) { try await signOut(request, context) } }
        router.get("console/:programId") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in render("console-home", page.model(), request: request) } }
        }
        router.get("console/:programId/rules") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await rulesPage(request, page, form: nil) } }
        }
        router.post("console/:programId/rules") { request, context in await posted(request, context, rules) }
        router.get("console/:programId/keys") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await keysPage(request, page) } }
        }
        router.post("console/:programId/keys") { request, context in await posted(request, context, keys) }
        router.get("console/:programId/members") { request, context in
            await handle(request, context) {
                try await signedIn(request, context) { page in
                    try await membersPage(request, page, search: Query(request).value("q"), memberId: Query(request).value("member"))
                }
            }
        }
        router.get("console/:programId/members/export") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await memberExport(request, page) } }
        }
        router.post("console/:programId/members") { request, context in await posted(request, context, members) }
        router.get("console/:programId/badges") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await badgesPage(request, page) } }
        }
        router.post("console/:programId/badges") { request, context in await posted(request, context, badges) }
        router.get("console/:programId/webhooks") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await webhooksPage(request, page) } }
        }
        router.post("console/:programId/webhooks") { request, context in await posted(request, context, webhooks) }
        router.get("console/:programId/rewards") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await rewardsPage(request, page) } }
        }
        router.post("console/:programId/rewards") { request, context in await posted(request, context, rewards) }
        router.get("console/:programId/challenges") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await challengesPage(request, page) } }
        }
        router.post("console/:programId/challenges") { request, context in await posted(request, context, challenges) }
        router.get("console/:programId/flags") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await flagsPage(request, page) } }
        }
        router.post("console/:programId/flags") { request, context in await posted(request, context, reviewFlag) }
        router.get("console/:programId/analytics") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await analyticsPage(request, page) } }
        }
        router.get("console/:programId/audit") { request, context in
            await handle(request, context) { try await signedIn(request, context) { page in try await auditPage(request, page) } }
        }
    }

    /// A form posted to a signed-in page: its CSRF token checked before `body` sees it.
    private func posted(_ request: Request, _ context: RallyRequestContext,
                        _ body: @escaping (Request, Page, ConsoleForm) async throws -> Response) async -> Response {
        await handle(request, context) {
            try await signedIn(request, context) { page in
                let form = try await ConsoleForm(request, context: context)
                try checkCSRF(form, page.session)
                return try await body(request, page, form)
            }
        }
    }

    // MARK: - Sessions

    /// A signed-in console page: its session, program and language.
    struct Page {
        var session: ConsoleSession
        var program: ProgramContext
        var language: PageLanguage
        var csrf: String
        var current: String

        var text: ConsoleText { .of(language) }

        /// An instant for a `<time>` element: as the page's language writes it in the program's zone (`text`), and as
        /// RFC 3339 (`stamp`).
        func time(_ date: Date) -> [String: String] {
            ["text": language.moment(date, in: program.timeZone), "stamp": RFC3339.format(date, in: program.timeZone)]
        }

        /// What every console page shows: the program, the navigation, the sign-out form.
        func model(_ extra: [String: Any] = [:]) -> [String: Any] {
            let admin = ConsoleAdminText.of(language)
            let links = [("", text.overview), ("rules", text.rules), ("badges", BadgeText.of(language).badges), ("keys", admin.keys), ("members", admin.members),
                         ("webhooks", WebhookText.of(language).webhooks), ("challenges", ChallengeText.of(language).challenges), ("rewards", RewardText.of(language).rewards), ("flags", FlagText.of(language).flags), ("analytics", AnalyticsText.of(language).analytics), ("audit", admin.audit)]
            var model: [String: Any] = [
                "lang": language.rawValue, "kind": "console", "title": "\(program.name) · \(text.console)", "t": text, "csrf": csrf,
                "programName": program.name, "programId": program.id,
                "nav": links.map { path, label in
                    ["href": "/console/\(program.id)" + (path.isEmpty ? "" : "/\(path)"), "label": label, "current": path == current] as [String: Any]
                },
            ]
            model.merge(extra) { $1 }
            return model
        }
    }

    /// Runs `body` for the signed-in session of the path's program: to sign-in when there is none, a 403 page when the
    /// session is another program's.
    private func signedIn(_ request: Request, _ context: RallyRequestContext, _ body: (Page) async throws -> Response) async throws -> Response {
        guard let cookie = Self.cookies(request)[Self.sessionCookie], let session = try await sessions.session(cookie) else {
            return Self.redirect("/console/login")
        }
        let programId = try context.parameters.require("programId")
        guard programId == session.program else { throw RallyError(.forbidden, "signed in to another program") }
        let program = try await programs.fresh(session.program)
        let current = request.uri.path.split(separator: "/").dropFirst(2).first.map(String.init) ?? ""
        return try await body(Page(session: session, program: program, language: Self.language(request), csrf: sessions.csrf(session: session),
                                   current: current))
    }

    private func signInPage(_ request: Request, error: String?, status: HTTPResponse.Status) -> Response {
        let nonce = ConsoleSessions.newNonce(), language = Self.language(request)
        var response = render("console-login", ["lang": language.rawValue, "kind": "console", "title": ConsoleText.of(language).signInTitle,
                                                "t": ConsoleText.of(language), "csrf": sessions.csrf(nonce: nonce), "error": error as Any],
                              request: request, status: status)
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.nonceCookie, nonce, request: request, maxAge: 3600)))
        return response
    }

    private func signIn(_ request: Request, _ context: RallyRequestContext) async throws -> Response {
        let form = try await ConsoleForm(request, context: context)
        guard let nonce = Self.cookies(request)[Self.nonceCookie], sessions.verify(csrf: form["csrf"] ?? "", nonce: nonce) else {
            throw RallyError(.forbidden, "the sign-in form's CSRF token is missing or wrong")
        }
        guard let key = form["key"], let (cookie, session) = try await sessions.signIn(secret: key) else {
            context.logger.notice("console sign-in refused")
            return signInPage(request, error: ConsoleText.of(Self.language(request)).notAdminKey, status: .unauthorized)
        }
        context.logger.info("console signed in", metadata: ["program": "\(session.program)", "key": "\(session.keyId)"])
        var response = Self.redirect("/console/\(session.program)")
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, cookie, request: request, maxAge: Int(sessions.lifetime))))
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.nonceCookie, "", request: request, maxAge: 0)))
        return response
    }

    private func signOut(_ request: Request, _ context: RallyRequestContext) async throws -> Response {
        let form = try await ConsoleForm(request, context: context)
        if let cookie = Self.cookies(request)[Self.sessionCookie], let session = try await sessions.session(cookie) {
            try checkCSRF(form, session)
        }
        var response = Self.redirect("/console/login")
        response.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, "", request: request, maxAge: 0)))
        return response
    }

    private func checkCSRF(_ form: ConsoleForm, _ session: ConsoleSession) throws {
        guard sessions.verify(csrf: form["csrf"] ?? "", session: session) else {
            throw RallyError(.forbidden, "the form's CSRF token is missing or wrong")
        }
    }

    // MARK: - Answers

    /// Runs a console handler: a POST from another origin is refused first; errors become pages.
    private func handle(_ request: Request, _ context: RallyRequestContext, _ body: () async throws -> Response) async -> Response {
        do {
            if request.method == .post, let origin = request.headers[.origin], let host = request.head.authority,
               origin != "http://\(host)", origin != "https://\(host)" {
                throw RallyError(.forbidden, "a console form posted from another origin")
            }
            return try await body()
        } catch {
            let failure = error as? RallyError ?? RallyError(.internalError, "the console could not answer")
            if failure.code == .internalError || failure.code == .unavailable {
                context.logger.error("console failed", metadata: ["error": "\(error)"])
            }
            let text = ConsoleText.of(Self.language(request)), pages = PageText.of(Self.language(request))
            let (heading, message) = switch failure.code {
            case .forbidden: (text.forbiddenTitle, failure.message.contains("CSRF") || failure.message.contains("origin") ? text.expiredForm : text.forbidden)
            case .notFound: (pages.notFoundTitle, pages.notFound)
            default: (pages.badRequestTitle, failure.message)
            }
            return render("problem", ["lang": Self.language(request).rawValue, "kind": "problem", "title": heading, "heading": heading, "message": message],
                          request: request, status: failure.status)
        }
    }

    func render(_ template: String, _ model: [String: Any], request: Request, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            HTTPField.Name("Referrer-Policy")!: "same-origin", .cacheControl: "no-store", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ], body: .init(byteBuffer: ByteBuffer(string: library.renderPlain(model, withTemplate: template))))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// A cookie for the console's paths alone, out of scripts' reach, sent only by the console's own pages; `Secure` when
    /// the request came over TLS (directly or through a proxy that says so).
    static func cookie(_ name: String, _ value: String, request: Request, maxAge: Int) -> String {
        let secure = request.uri.scheme == .https || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
        return "\(name)=\(value); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)" + (secure ? "; Secure" : "")
    }

    static func cookies(_ request: Request) -> [String: String] {
        var found: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, found[pair[0]] == nil { found[pair[0]] = pair[1] }
            }
        }
        return found
    }

    static func language(_ request: Request) -> PageLanguage {
        PageLanguage.choose(query: Query(request).value("lang"), token: nil, acceptLanguage: request.headers[.acceptLanguage])
    }
}

/// A form body (`application/x-www-form-urlencoded`), at most 1 MB.
struct ConsoleForm {
    private var fields: [String: String] = [:]
    /// Every value of each name, in order (checkboxes).
    private var lists: [String: [String]] = [:]

    init(_ request: Request, context: RallyRequestContext) async throws {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String { text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let name = decode(parts[0]), value = parts.count > 1 ? decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
            lists[name, default: []].append(value)
        }
    }

    subscript(_ name: String) -> String? { fields[name].flatMap { $0.isEmpty ? nil : $0 } }

    func all(_ name: String) -> [String] { lists[name] ?? [] }
}
