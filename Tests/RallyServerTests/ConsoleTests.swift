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
            // In UTC, so that the simulated days (up to today in UTC) hold today's events at any hour.
            let program = try await app.createProgram(timezone: "UTC")
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

    /// Participation over time, satisfaction (small groups suppressed), reach and media value: each a chart, its table and
    /// a CSV.
    @Test func analyticsShowParticipationSatisfactionAndReachAsChartsTablesAndCSVs() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC")
            try await program.addMembers(["ana", "ben", "cid"])
            try await app.database.setAudiences(program: program.id, [("ben", "2026-01-01T00:00:00Z", ["linkedin": 1200])])
            try requireStatus(try await app.send(.patch, program.path, key: program.adminKey,
                                                 body: #"{"mediaValue": {"currency": "EUR", "cpm": {"linkedin": 12.5}}}"#), .ok)
            _ = try await program.recordBatch([EventInput(id: "a1", memberId: "ana", action: "post"),
                                               EventInput(id: "b1", memberId: "ben", action: "share", network: "linkedin")])
            try await SatisfactionTests.answers(program, prefix: "x", [10, 9])
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let week = try decode(BoardDTO.self, from: try await app.send(.get, "\(program.path)/leaderboards/members", key: program.readKey)).period.key

            let html = text(try await browser.send(.get, "/console/\(program.id)/analytics"))
            #expect(html.contains(#"data-period="\#(week)" data-rate="0.6667""#), "this week's bar: 2 of 3 enrolled members active")
            #expect(html.contains(#"<tr><th scope="row">\#(week)</th><td>Everyone</td><td class="num">3</td><td class="num">2</td><td class="num">66.7%</td></tr>"#))
            #expect(html.components(separatedBy: "data-period=").count - 1 == 12, "twelve weeks by default")
            #expect(html.contains(#"<td class="num">suppressed</td>"#), "two answers: suppressed, not zero")
            #expect(html.contains(#"data-group="Everyone" data-split="ambassadors" data-enps="suppressed""#), "no bar for a suppressed figure")
            // ben's share reached his 1,200 people on LinkedIn: 1.2 thousand at 12.50 EUR; ana's post was on no network.
            #expect(html.contains(#"data-network="linkedin" data-reach="1200""#))
            #expect(html.contains(#"<tr><th scope="row">Everyone</th><td>linkedin</td><td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">1,200</td><td class="num">15.00</td></tr>"#))
            #expect(html.contains(#"<tr><th scope="row">Everyone</th><td>(none)</td><td class="num">0</td><td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">0.00</td></tr>"#))
            let csv = try await browser.send(.get, "/console/\(program.id)/analytics?granularity=week&format=csv")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(text(csv).contains("\(week),\"Everyone\",3,2,0.6667\r\n"))
            #expect(text(csv).hasPrefix("period,group,enrolled,active,rate\r\n"))
            let reach = text(try await browser.send(.get, "/console/\(program.id)/analytics?format=csv&table=reach"))
            #expect(reach == "group,network,shares,posts,clicks,potential_reach,media_value,currency\r\n"
                + "\"Everyone\",\"(none)\",0,1,0,0,0.00,\"EUR\"\r\n\"Everyone\",\"linkedin\",1,0,0,1200,15.00,\"EUR\"\r\n")
            let satisfaction = text(try await browser.send(.get, "/console/\(program.id)/analytics?format=csv&table=satisfaction"))
            #expect(satisfaction == "group,ambassadors_enps,others_enps,responses\r\n\"Everyone\",suppressed,suppressed,2\r\n")
            #expect(try await browser.send(.get, "/console/\(program.id)/analytics?format=csv&table=secrets").status == .unprocessableContent)
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

    @Test func rewardsAreDefinedAndRedemptionsReviewedFromTheConsole() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await RewardTests.earn(program, ["ana"], posts: 2)  // 50 points
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let page = "/console/\(program.id)/rewards"
            let empty = try await browser.send(.get, page)
            let csrf = Self.csrf(empty)
            #expect(text(empty).contains(#"href="/console/\#(program.id)/rewards" aria-current="page""#))
            let refused = try await browser.send(.post, page, form: ["csrf": csrf, "action": "save", "rewardId": "mug", "name": "", "cost": "ten",
                                                                  "stock": "-1"])
            #expect(refused.status == .unprocessableContent)
            for field in ["name", "cost", "stock"] { #expect(text(refused).contains(#"data-field="\#(field)""#), "\(field)") }
            try requireStatus(try await browser.send(.post, page, form: ["csrf": csrf, "action": "save", "rewardId": "mug", "name": "Mug",
                                                                         "cost": "20", "stock": "3", "active": "true"]), .ok)
            let catalogue = try jsonObject(try await app.send(.get, "\(program.path)/rewards", key: program.readKey))
            #expect((catalogue["rewards"] as? [[String: Any]])?.first?["stock"] as? Int == 3)

            try requireStatus(try await RewardTests.redeem(program, "ana", id: "r1", rewardId: "mug"), .created)
            try requireStatus(try await RewardTests.redeem(program, "ana", id: "r2", rewardId: "mug"), .created)
            let queue = text(try await browser.send(.get, page))
            #expect(queue.contains(#"<tr data-redemption-id="r1" data-status="pending">"#) && queue.contains(#"<tr data-redemption-id="r2" data-status="pending">"#))
            try requireStatus(try await browser.send(.post, page, form: ["csrf": csrf, "action": "reject", "redemptionId": "r1"]), .ok)
            let approved = text(try await browser.send(.post, page, form: ["csrf": csrf, "action": "approve", "redemptionId": "r2"]))
            #expect(!approved.contains(#"data-redemption-id="r1""#), "a rejected redemption leaves the queue")
            #expect(approved.contains(#"<tr data-redemption-id="r2" data-status="approved">"#))
            try requireStatus(try await browser.send(.post, page, form: ["csrf": csrf, "action": "fulfil", "redemptionId": "r2"]), .ok)
            #expect(try await browser.send(.post, page, form: ["csrf": "forged", "action": "reject", "redemptionId": "r2"]).status == .forbidden)
            #expect(try await browser.send(.post, page, form: ["csrf": csrf, "action": "reject", "redemptionId": "r2"]).status == .conflict)
            #expect(try await program.profile("ana").points.balance == 30)
            let audit = try decode(AuditPageDTO.self, from: try await app.send(.get, "\(program.path)/audit", key: program.adminKey))
            #expect(audit.entries.prefix(3).map(\.action) == ["redemption.fulfilled", "redemption.approved", "redemption.rejected"])
            #expect(Set(audit.entries.prefix(3).map(\.actor)).count == 1 && audit.entries[0].actor.hasPrefix("key_"), "made as the signed-in key")
        }
    }

    @Test func flagsAreReviewedFromTheConsole() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try await IntegrityTests.setRules(program, #"{"repeatedContent": {"hold": true}}"#)
            let start = Timestamp.now().addingTimeInterval(-600)
            for (id, content) in [("p1", "job-1"), ("p2", "job-1"), ("p3", "job-2"), ("p4", "job-2")] {
                _ = try await program.record(IntegrityTests.event(id, "ana", "post", content: content, at: 0, from: start))
            }
            let flags = try await IntegrityTests.flags(program)
            #expect(flags.map(\.eventIds) == [["p2"], ["p4"]])
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let page = "/console/\(program.id)/flags"
            let queue = try await browser.send(.get, page)
            let csrf = Self.csrf(queue)
            #expect(text(queue).contains(#"href="/console/\#(program.id)/flags" aria-current="page""#))
            for flag in flags { #expect(text(queue).contains(#"<tr data-flag-id="\#(flag.id)" data-rule="repeatedContent">"#)) }
            #expect(text(queue).contains("<td>Repeated content</td><td>content job-1 posted again</td>"), "the rule and its evidence, in words")
            let dismissed = text(try await browser.send(.post, page, form: ["csrf": csrf, "action": "dismiss", "flagId": flags[0].id]))
            #expect(!dismissed.contains(#"data-flag-id="\#(flags[0].id)""#), "a reviewed flag leaves the queue")
            try requireStatus(try await browser.send(.post, page, form: ["csrf": csrf, "action": "confirm", "flagId": flags[1].id]), .ok)
            #expect(try await browser.send(.post, page, form: ["csrf": csrf, "action": "confirm", "flagId": flags[0].id]).status == .conflict)
            #expect(try await browser.send(.post, page, form: ["csrf": "forged", "action": "dismiss", "flagId": flags[1].id]).status == .forbidden)
            #expect(try await program.profile("ana").points.lifetime == 75, "p1, p3 and the released p2; p4 retracted")
            let audit = try decode(AuditPageDTO.self, from: try await app.send(.get, "\(program.path)/audit", key: program.adminKey))
            #expect(audit.entries.prefix(3).map { "\($0.action) \($0.target)" }
                == ["flag.confirmed flags/\(flags[1].id)", "event.retracted events/p4", "flag.dismissed flags/\(flags[0].id)"])
            #expect(audit.entries[0].actor.hasPrefix("key_"), "made as the signed-in key")
        }
    }

    @Test func challengesAreShownWithTheirProgressAndDefinedFromTheConsole() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await RewardTests.earn(program, ["ana"], posts: 2)
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let page = "/console/\(program.id)/challenges"
            let csrf = Self.csrf(try await browser.send(.get, page))
            let refused = try await browser.send(.post, page, form: ["csrf": csrf, "challengeId": "posts",
                                                                  "document": #"{"name": "Posts", "metric": {"action": "dance"}, "target": 0}"#])
            #expect(refused.status == .unprocessableContent)
            for field in ["from", "to", "metric.action", "target"] { #expect(text(refused).contains(#"data-field="\#(field)""#), "\(field)") }
            let from = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-3600)), to = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(3600))
            let saved = try await browser.send(.post, page, form: ["csrf": csrf, "challengeId": "posts", "document":
                #"{"name": "Posts", "metric": {"action": "post"}, "target": 5, "from": "\#(from)", "to": "\#(to)"}"#])
            #expect(saved.status == .ok)
            #expect(text(saved).contains(#"<tr data-challenge-id="posts">"#) && text(saved).contains(#"<progress max="5" value="2""#))
            let listed = try jsonObject(try await app.send(.get, "\(program.path)/challenges/posts", key: program.readKey))
            #expect(listed["progress"] as? Int == 2 && listed["target"] as? Int == 5)
            let audit = try decode(AuditPageDTO.self, from: try await app.send(.get, "\(program.path)/audit", key: program.adminKey))
            #expect(audit.entries.first?.action == "challenge.saved" && audit.entries.first?.actor.hasPrefix("key_") == true)
        }
    }

    /// A badge drafted in the form: each problem beside its field, how many members meet it now, saved and deleted as the
    /// signed-in key.
    @Test func aBadgeIsPreviewedSavedAndDeletedFromTheConsole() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["m1", "m2", "m3"])
            // m1 shares three times, m2 once, m3 only posts.
            _ = try await program.recordBatch((1...3).map { EventInput(id: "s1-\($0)", memberId: "m1", action: "share") }
                + [EventInput(id: "s2", memberId: "m2", action: "share"), EventInput(id: "p3", memberId: "m3", action: "post")])
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let page = "/console/\(program.id)/badges"
            let empty = try await browser.send(.get, page)
            #expect(text(empty).contains("No badge yet."))
            let csrf = Self.csrf(empty)

            // Problems, each in its own field's block: an action missing, a threshold that is no number, an id too strange.
            let refused = text(try await browser.send(.post, page, form: ["csrf": csrf, "action": "preview", "badgeId": "a b", "name": "Sharer",
                                                                           "type": "actionCount", "threshold": "many", "period": "all"]))
            for (field, path) in [("badgeId", "badgeId"), ("actionName", "criteria.action"), ("threshold", "criteria.count")] {
                let block = try #require(refused.range(of: #"id="field-\#(field)""#)).upperBound
                let problem = try #require(refused.range(of: #"<li data-field="\#(path)">"#), "\(path) shown")
                let next = refused.range(of: #"<div class="field"#, range: block..<refused.endIndex)?.lowerBound ?? refused.endIndex
                #expect(problem.lowerBound > block && problem.lowerBound < next, "\(path) beside its field")
            }
            #expect(refused.contains(#"aria-invalid="true""#))

            // Tiers: two members meet bronze (one share), one meets silver (three).
            let draft = ["csrf": csrf, "badgeId": "sharer", "name": "Sharer", "type": "actionCount", "actionName": "share", "period": "all",
                         "tiers": "bronze 1\nsilver 3"]
            let preview = text(try await browser.send(.post, page, form: draft.merging(["action": "preview"]) { $1 }))
            #expect(preview.contains("<p class=\"notice\" role=\"status\" data-badge-reach>2 members meet it now and would receive it at once (bronze 2, silver 1)</p>"))
            #expect((try jsonObject(try await app.send(.get, "\(program.path)/badges", key: program.adminKey))["badges"] as? [Any])?.isEmpty == true,
                    "a preview saves nothing")

            let saved = text(try await browser.send(.post, page, form: draft.merging(["action": "save"]) { $1 }))
            #expect(saved.contains("The badge sharer is created"))
            #expect(saved.contains(#"<tr data-badge-id="sharer">"#) && saved.contains("A number of actions · share · all · bronze 1, silver 3"))
            let listed = try jsonObject(try await app.send(.get, "\(program.path)/badges", key: program.adminKey))
            let badge = try #require((listed["badges"] as? [[String: Any]])?.first)
            #expect(badge["badgeId"] as? String == "sharer")
            #expect((badge["tiers"] as? [[String: Any]])?.map { "\($0["id"]!) \($0["count"]!)" } == ["bronze 1", "silver 3"])
            let saving = try #require(try await AuditTests.audit(program, "limit=1").entries.first)
            let keyId = try #require(try decode(KeyListDTO.self, from: try await app.send(.get, "\(program.path)/keys", key: program.adminKey))
                .keys.first { $0.role == "admin" }?.id)
            #expect(saving.action == "badge.saved" && saving.target == "badges/sharer" && saving.actor == keyId, "audited as the signed-in key")

            // Changing it: the form filled from the badge.
            let edit = text(try await browser.send(.get, page + "?edit=sharer"))
            #expect(edit.contains("bronze 1\nsilver 3</textarea>") && edit.contains(#"<option value="share" selected>"#))

            try requireStatus(try await browser.send(.post, page, form: ["csrf": csrf, "action": "delete", "badgeId": "sharer"]), .ok)
            #expect((try jsonObject(try await app.send(.get, "\(program.path)/badges", key: program.adminKey))["badges"] as? [Any])?.isEmpty == true)
            #expect(try await browser.send(.post, page, form: ["action": "delete", "badgeId": "sharer"]).status == .forbidden, "no CSRF token")
        }
    }

    /// The rules page's form view: rows of actions, caps, campaigns and levels that become the same document the API
    /// takes; each problem in its row, with its path.
    @Test func theRulesFormViewPublishesTheDocumentItDescribes() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            var browser = Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let rules = "/console/\(program.id)/rules"
            let page = text(try await browser.send(.get, rules))
            // The defaults, one action a row, sorted; two empty rows wait for more.
            for (index, (name, points)) in [("comment", 5), ("like", 1), ("post", 25), ("share", 10)].enumerated() {
                #expect(page.contains(#"name="actions.\#(index).name" value="\#(name)""#) && page.contains(#"name="actions.\#(index).points" value="\#(points)""#))
            }
            #expect(page.contains(#"name="actions.5.name" value="""#) && !page.contains(#"name="actions.6.name""#))
            let csrf = Self.csrf(try await browser.send(.get, rules))

            // Points that are no number and a network without its factor: both in the share row.
            let wrong = text(try await browser.send(.post, rules, form: [
                "csrf": csrf, "view": "form", "action": "validate", "actions.0.name": "post", "actions.0.points": "25",
                "actions.1.name": "share", "actions.1.points": "ten", "actions.1.networks": "linkedin 1.5, x",
            ]))
            let row = try #require(wrong.range(of: #"data-row="actions.1""#)).upperBound
            let end = try #require(wrong.range(of: "</div>", range: row..<wrong.endIndex)).lowerBound
            #expect(wrong[row..<end].contains(#"<li data-field="actions.share.points">"#))
            #expect(wrong[row..<end].contains(#"<li data-field="actions.share.networks">"#))

            let published = try await browser.send(.post, rules, form: [
                "csrf": csrf, "view": "form", "action": "publish",
                "actions.0.name": "post", "actions.0.points": "25",
                "actions.1.name": "share", "actions.1.points": "30", "actions.1.networks": "linkedin 2, x 1.5",
                "actions.2.name": "like", "actions.2.points": "1", "actions.2.oncePerContent": "on",
                "caps.0.action": "like", "caps.0.per": "day", "caps.0.maxCount": "20",
                "caps.1.action": "", "caps.1.per": "week", "caps.1.maxPoints": "500",
                "levels.0.name": "Rookie", "levels.0.minPoints": "0", "levels.1.name": "Ambassador", "levels.1.minPoints": "500",
                "campaigns.0.id": "hiring", "campaigns.0.name": "Hiring", "campaigns.0.from": "2026-12-01T00:00:00Z",
                "campaigns.0.to": "2027-01-01T00:00:00Z", "campaigns.0.tags": "jobs, recruitment", "campaigns.0.actions": "share", "campaigns.0.multiplier": "2",
            ])
            #expect(published.status == .seeOther)
            let current = try jsonObject(try await app.send(.get, "\(program.path)/rules", key: program.readKey))
            let actions = try #require(current["actions"] as? [String: [String: Any]])
            #expect(Set(actions.keys) == ["post", "share", "like"])
            #expect(actions["share"]?["points"] as? Int == 30 && (actions["share"]?["networks"] as? [String: Double]) == ["linkedin": 2, "x": 1.5])
            #expect(actions["like"]?["oncePerContent"] as? Bool == true && actions["post"]?["oncePerContent"] == nil)
            let caps = try #require(current["caps"] as? [[String: Any]])
            #expect(caps.count == 2 && caps[0]["action"] as? String == "like" && caps[0]["maxCount"] as? Int == 20 && caps[1]["action"] == nil
                && caps[1]["per"] as? String == "week" && caps[1]["maxPoints"] as? Int == 500)
            #expect((current["levels"] as? [[String: Any]])?.map { "\($0["name"]!) \($0["minPoints"]!)" } == ["Rookie 0", "Ambassador 500"])
            let campaign = try #require((current["campaigns"] as? [[String: Any]])?.first)
            #expect(campaign["tags"] as? [String] == ["jobs", "recruitment"] && campaign["actions"] as? [String] == ["share"]
                && campaign["multiplier"] as? Int == 2)

            // The page shows the published rules in both views.
            let after = text(try await browser.send(.get, rules))
            #expect(after.contains(#"name="caps.0.maxCount" value="20""#) && after.contains(#"name="actions.2.networks" value="linkedin 2, x 1.5""#))
            #expect(after.contains(#"<option value="like" selected>like</option>"#))
        }
    }
}
