import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyTestSupport
import Testing

/// HR's console through its forms: sign-in with an admin key, a session cookie, CSRF on every form, the rules drafted,
/// validated, simulated and published as the signed-in key.
@Suite("Console: sign-in and rules")
struct ConsoleTests {
    /// A browser's cookie jar and the last form's CSRF token, for one app.
    struct Browser {
        let app: TestApp
        var cookies: [String: String] = [:]

        mutating func send(_ method: HTTPRequest.Method, _ path: String, form: [String: String]? = nil, origin: String? = nil) async throws -> TestResponse {
            var headers: HTTPFields = [:]
            if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
            if let origin { headers[.origin] = origin }
            var body: String?
            if let form {
                headers[.contentType] = "application/x-www-form-urlencoded"
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.sorted().joined(separator: "&")
            }
            let response = try await app.send(method, path, key: nil, body: body, headers: headers)
            for header in response.headers[values: .setCookie] {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                if header.contains("Max-Age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
            }
            return response
        }

        /// Signs in with `key` through the form; the answer to the form's POST.
        mutating func signIn(_ key: String) async throws -> TestResponse {
            let page = try await send(.get, "/console/login")
            #expect(text(page).contains(#"type="password""#) && text(page).contains(#"name="key""#))
            return try await send(.post, "/console/login", form: ["csrf": ConsoleTests.csrf(page), "key": key])
        }
    }

    static func csrf(_ response: TestResponse) -> String {
        let html = text(response)
        guard let start = html.range(of: #"name="csrf" value=""#) else { return "" }
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    @Test func anAdminKeySignsInOnceAndOtherKeysDoNot() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            var browser = Browser(app: app)
            #expect(try await browser.send(.get, "/console/\(program.id)/rules").headers[.location] == "/console/login", "no session: to sign-in")
            for refused in [program.readKey, "rk_nothing", app.operatorToken] {
                let answer = try await browser.signIn(refused)
                #expect(answer.status == .unauthorized)
                #expect(text(answer).contains(#"data-field="key""#))
            }
            // The sign-in form without its CSRF token, or from another site: 403.
            _ = try await browser.send(.get, "/console/login")
            #expect(try await browser.send(.post, "/console/login", form: ["key": program.adminKey]).status == .forbidden)

            let signedIn = try await browser.signIn(program.adminKey)
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/console/\(program.id)")
            let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("rally_console=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
            #expect(!cookie.contains(program.adminKey), "the session names the key, never holds it")
            let home = try await browser.send(.get, "/console/\(program.id)")
            #expect(home.status == .ok)
            #expect(home.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            for secret in [program.adminKey, program.readKey, program.ingestKey] { #expect(!text(home).contains(secret)) }

            // Another program's console: 403. The key revoked: the session ends.
            let other = try await app.createProgram()
            #expect(try await browser.send(.get, "/console/\(other.id)/rules").status == .forbidden)
            let keyId = try #require(try decode(KeyListDTO.self, from: try await app.send(.get, "\(program.path)/keys", key: app.operatorToken))
                .keys.first { $0.role == "admin" }?.id)
            try requireStatus(try await app.send(.delete, "\(program.path)/keys/\(keyId)", key: app.operatorToken), .noContent)
            #expect(try await browser.send(.get, "/console/\(program.id)").headers[.location] == "/console/login")
        }
    }

    @Test func rulesAreValidatedSimulatedAndPublishedAsTheSignedInKey() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            _ = try await program.recordBatch([EventInput(id: "a1", memberId: "ana", action: "post"),
                                               EventInput(id: "b1", memberId: "ben", action: "share"), EventInput(id: "b2", memberId: "ben", action: "share")])
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let rules = "/console/\(program.id)/rules"
            let page = try await browser.send(.get, rules)
            #expect(text(page).contains(#"<textarea id="rules" name="rules""#))
            #expect(text(page).contains("&quot;post&quot; : {"), "the draft holds the rules in force")
            let csrf = Self.csrf(page)

            // A problem is shown beside the draft, named by its path.
            let invalid = try await browser.send(.post, rules, form: ["csrf": csrf, "action": "validate", "rules": #"{"actions": {"post": {"points": -5}}}"#])
            #expect(invalid.status == .unprocessableContent)
            #expect(text(invalid).contains(#"<li data-field="actions.post.points">"#))

            // The draft on the stored events: shares at 30 put Ben first (60 against Ana's 25).
            let today = String(Timestamp.rfc3339(Timestamp.now()).prefix(10))
            let draft = #"{"actions": {"post": {"points": 25}, "share": {"points": 30}}}"#
            let simulated = try await browser.send(.post, rules, form: ["csrf": csrf, "action": "simulate", "rules": draft, "from": "2026-01-01", "to": today])
            #expect(simulated.status == .ok)
            let html = text(simulated)
            #expect(html.contains("data-simulation"))
            #expect(html.contains(#"<tr data-action="share"><th scope="row">share</th><td class="num">2</td><td class="num">20</td><td class="num">60</td></tr>"#))
            #expect(html.contains("<tr><td>1</td><td>ana (25)</td><td>ben (60)</td></tr>"))
            #expect(try await app.send(.get, "\(program.path)/rules", key: program.readKey).status == .ok)
            #expect(try jsonObject(try await app.send(.get, "\(program.path)/rules", key: program.readKey))["version"] as? Int == 0, "a simulation changes nothing")

            // Without the CSRF token, with another token, or from another origin: 403, nothing published.
            #expect(try await browser.send(.post, rules, form: ["action": "publish", "rules": draft]).status == .forbidden)
            #expect(try await browser.send(.post, rules, form: ["csrf": "AAAA", "action": "publish", "rules": draft]).status == .forbidden)
            #expect(try await browser.send(.post, rules, form: ["csrf": csrf, "action": "publish", "rules": draft], origin: "https://evil.example").status == .forbidden)

            let published = try await browser.send(.post, rules, form: ["csrf": csrf, "action": "publish", "rules": draft])
            #expect(published.status == .seeOther)
            #expect(published.headers[.location] == "\(rules)?published=1")
            let current = try jsonObject(try await app.send(.get, "\(program.path)/rules", key: program.readKey))
            #expect(current["version"] as? Int == 1)
            #expect((current["actions"] as? [String: [String: Int]])?["share"]?["points"] == 30)
            let keyId = try #require(try decode(KeyListDTO.self, from: try await app.send(.get, "\(program.path)/keys", key: program.adminKey))
                .keys.first { $0.role == "admin" }?.id)
            #expect(try await AuditTests.audit(program).entries.first { $0.action == "rules.replaced" }?.actor == keyId, "audited as the signed-in key")
            #expect(text(try await browser.send(.get, published.headers[.location]!)).contains("Version 1 is published."))

            // Signing out ends the session.
            #expect(try await browser.send(.post, "/console/logout", form: ["csrf": csrf]).headers[.location] == "/console/login")
            #expect(try await browser.send(.get, rules).headers[.location] == "/console/login")
        }
    }

    @Test func keysMembersAndTheAuditLogAreManagedThroughForms() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "anatole", "ben"])
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)

            // Keys: a new one shown once, with its own limit; then revoked.
            let keys = "/console/\(program.id)/keys"
            let csrf = Self.csrf(try await browser.send(.get, keys))
            let created = text(try await browser.send(.post, keys, form: ["csrf": csrf, "action": "create", "role": "read", "label": "Widget", "rateLimit": "50"]))
            let secret = try #require(created.range(of: "<output data-new-key>").map { String(created[$0.upperBound...].prefix { $0 != "<" }) })
            #expect(secret.hasPrefix("rk_"))
            try requireStatus(try await app.send(.get, program.path, key: secret), .ok)
            let listed = try decode(KeyListDTO.self, from: try await app.send(.get, "\(program.path)/keys", key: program.adminKey)).keys
            let widget = try #require(listed.first { $0.label == "Widget" })
            #expect(widget.rateLimit == 50 && widget.role == "read")
            #expect(!text(try await browser.send(.get, keys)).contains(secret), "shown once")
            let refused = try await browser.send(.post, keys, form: ["csrf": csrf, "action": "create", "role": "read", "rateLimit": "0"])
            #expect(refused.status == .unprocessableContent && text(refused).contains(#"data-field="rateLimit""#))
            try requireStatus(try await browser.send(.post, keys, form: ["csrf": csrf, "action": "revoke", "keyId": widget.id]), .ok)
            try expectError(try await app.send(.get, program.path, key: secret), .unauthorized, code: "unauthorized")

            // Members: found by the start of their id, read, exported; erased only when their id is typed to confirm.
            let members = "/console/\(program.id)/members"
            let found = text(try await browser.send(.get, members + "?q=ana"))
            #expect(found.components(separatedBy: "<tr data-result=").count - 1 == 2, "ana and anatole, not ben")
            let profile = try await browser.send(.get, members + "?member=ana")
            #expect(text(profile).contains(#"data-member="ana""#))
            let export = try await browser.send(.get, members + "/export?member=ana")
            #expect(export.headers[.contentDisposition]?.contains("attachment") == true)
            #expect((try JSONSerialization.jsonObject(with: Data(text(export).utf8)) as? [String: Any]) != nil)
            let mismatch = try await browser.send(.post, members, form: ["csrf": csrf, "action": "erase", "member": "ana", "confirm": "anatole"])
            #expect(mismatch.status == .unprocessableContent && text(mismatch).contains(#"<p class="error" role="alert" data-field="confirm">"#))
            try requireStatus(try await app.send(.get, "\(program.path)/members/ana", key: program.readKey), .ok)
            try requireStatus(try await browser.send(.post, members, form: ["csrf": csrf, "action": "erase", "member": "ana", "confirm": "ana"]), .ok)
            try expectError(try await app.send(.get, "\(program.path)/members/ana", key: program.readKey), .notFound, code: "not_found")

            // The audit log, filtered by action and actor together.
            let keyId = try #require(listed.first { $0.role == "admin" }?.id)
            func actions(_ query: String) async throws -> [Substring] {
                text(try await browser.send(.get, "/console/\(program.id)/audit?\(query)")).components(separatedBy: #"data-action=""#).dropFirst()
                    .map { $0.prefix { $0 != "\"" } }
            }
            // The admin key made the ingest, read and widget keys and revoked the widget's; the operator made the admin key.
            #expect(try await actions("action=key.&actor=\(keyId)") == ["key.revoked", "key.created", "key.created", "key.created"])
            #expect(try await actions("action=key.&actor=operator") == ["key.created"])
            #expect(try await actions("action=rules.") == [])
            let everything = text(try await browser.send(.get, "/console/\(program.id)/audit"))
            #expect(everything.contains(#"data-action="member.erased""#))
        }
    }

    /// Participation over time as a chart, its table and a CSV; satisfaction with small groups suppressed.
    @Test func analyticsShowParticipationAsAChartATableAndACSV() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC")
            try await program.addMembers(["ana", "ben", "cid"])
            _ = try await program.recordBatch([EventInput(id: "a1", memberId: "ana", action: "post"), EventInput(id: "b1", memberId: "ben", action: "share")])
            try await SatisfactionTests.answers(program, prefix: "x", [10, 9])
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let week = try decode(BoardDTO.self, from: try await app.send(.get, "\(program.path)/leaderboards/members", key: program.readKey)).period.key

            let html = text(try await browser.send(.get, "/console/\(program.id)/analytics"))
            #expect(html.contains(#"data-period="\#(week)" data-rate="0.6667""#), "this week's bar: 2 of 3 enrolled members active")
            #expect(html.contains(#"<tr><th scope="row">\#(week)</th><td>Everyone</td><td class="num">3</td><td class="num">2</td><td class="num">66.7%</td></tr>"#))
            #expect(html.components(separatedBy: "<rect ").count - 1 == 12, "twelve weeks by default")
            #expect(html.contains(#"<td class="num">suppressed</td>"#), "two answers: suppressed, not zero")
            let csv = try await browser.send(.get, "/console/\(program.id)/analytics?granularity=week&format=csv")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(text(csv).contains("\(week),\"Everyone\",3,2,0.6667\r\n"))
            #expect(text(csv).hasPrefix("period,group,enrolled,active,rate\r\n"))
        }
    }

    /// A webhook defined through the console's form, sent a signed test delivery, then deleted.
    @Test func aWebhookIsDefinedTestedAndDeletedFromTheConsole() async throws {
        try await WebhookTests.withReceiver { inbox, url in
            try await TestApp.run(background: .milliseconds(100)) { app in
                let program = try await app.createProgram()
                var browser = Browser(app: app)
                try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
                let page = "/console/\(program.id)/webhooks"
                let csrf = Self.csrf(try await browser.send(.get, page))
                let refused = try await browser.send(.post, page, form: ["csrf": csrf, "action": "save", "webhookId": "crm", "url": "ftp://files.example.com",
                                                                      "secret": "short"])
                #expect(refused.status == .unprocessableContent)
                #expect(text(refused).contains(#"<li data-field="url">"#) && text(refused).contains(#"<li data-field="events">"#)
                    && text(refused).contains(#"<li data-field="secret">"#))
                let body = ["csrf": csrf, "action": "save", "webhookId": "crm", "url": url, "secret": WebhookTests.secret]
                var encoded = body.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                encoded += ["events=badge.awarded", "events=level.reached"]
                let saved = try await app.send(.post, page, key: nil, body: encoded.joined(separator: "&"),
                                               headers: [.cookie: browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "),
                                                         .contentType: "application/x-www-form-urlencoded"])
                #expect(saved.status == .ok)
                let listed = try jsonObject(try await app.send(.get, "\(program.path)/webhooks", key: program.adminKey))
                #expect((listed["webhooks"] as? [[String: Any]])?.first?["events"] as? [String] == ["badge.awarded", "level.reached"])

                try requireStatus(try await browser.send(.post, page, form: ["csrf": csrf, "action": "test", "webhookId": "crm"]), .ok)
                let test = try #require(try await inbox.wait(forType: "webhook.test"))
                #expect(test["programId"] as? String == program.id)
                let request = try #require(inbox.requests.withLock { $0 }.first)
                #expect(WebhookTests.signatureVerifies(request.signature, body: request.body))
                try requireStatus(try await browser.send(.post, page, form: ["csrf": csrf, "action": "delete", "webhookId": "crm"]), .ok)
                #expect((try jsonObject(try await app.send(.get, "\(program.path)/webhooks", key: program.adminKey))["webhooks"] as? [Any])?.isEmpty == true)
            }
        }
    }
}
