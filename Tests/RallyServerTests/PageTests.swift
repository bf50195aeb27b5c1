import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyCore
import RallyTestSupport
import Synchronization
import Testing

/// The pages people open with a viewer token: tokens minted server to server, the leaderboard page and the embed
/// widget, rendered as HTML with the contract's hooks.
@Suite("Pages: viewer tokens and the leaderboard")
struct PageTests {
    /// A viewer token minted with `key`; its JSON answer.
    static func mint(_ program: TestProgram, key: String? = nil, _ body: String = "{}") async throws -> TestResponse {
        try await program.app.send(.post, "\(program.path)/viewer-tokens", key: key ?? program.readKey, body: body)
    }

    static func token(_ program: TestProgram, memberId: String? = nil, lang: String? = nil) async throws -> String {
        var fields: [String] = []
        if let memberId { fields.append(#""memberId": "\#(memberId)""#) }
        if let lang { fields.append(#""lang": "\#(lang)""#) }
        let response = try await mint(program, "{\(fields.joined(separator: ", "))}")
        try requireStatus(response, .created)
        return try #require(try jsonObject(response)["token"] as? String)
    }

    static func page(_ program: TestProgram, _ path: String = "", token: String?, query: String = "",
                     headers: HTTPFields = [:]) async throws -> TestResponse {
        var parts = query.isEmpty ? [] : [query]
        if let token { parts.insert("token=\(token)", at: 0) }
        return try await program.app.send(.get, path.isEmpty ? "/p/\(program.id)?\(parts.joined(separator: "&"))" : "\(path)?\(parts.joined(separator: "&"))",
                                          key: nil, headers: headers)
    }

    /// Each ranking row of a page: member, rank and points from its hooks, and whether it is the viewer's.
    static func rows(_ html: String) -> [(member: String, rank: Int, points: Int, current: Bool)] {
        let pattern = try! NSRegularExpression(pattern: #"<tr data-member-id="([^"]*)" data-rank="(\d+)" data-points="(\d+)"[^>]*?( aria-current="true")?>"#)
        return pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { match in
            func group(_ index: Int) -> String { Range(match.range(at: index), in: html).map { String(html[$0]) } ?? "" }
            return (group(1), Int(group(2)) ?? -1, Int(group(3)) ?? -1, !group(4).isEmpty)
        }
    }

    /// A token signed apart from Rally, as the contract's format and the test key make it.
    static func forge(program: String, expiry: Int, epoch: Int = 0) -> String {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(base64Encoded: "1DaB61tDR3gDgixlxR1bkyNSY4hvYuKszmsuinZs8AI=")!),
                                         info: Data("rally viewer tokens v1".utf8), outputByteCount: 32)
        func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let payload = Data(#"{"e":\#(expiry),"n":\#(epoch),"p":"\#(program)"}"#.utf8)
        return "v1.\(base64URL(payload)).\(base64URL(Data(HMAC<SHA256>.authenticationCode(for: payload, using: key))))"
    }

    @Test func aViewerTokenOpensItsProgramsPagesUntilItExpiresOrIsRevoked() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let other = try await app.createProgram()
            let minted = try await Self.mint(program, #"{"memberId": "ana", "ttlSeconds": 600, "lang": "fr"}"#)
            try requireStatus(minted, .created)
            let body = try jsonObject(minted)
            let token = try #require(body["token"] as? String)
            #expect(body["url"] as? String == "/p/\(program.id)?token=\(token)")
            let expiresText = try #require(body["expiresAt"] as? String)
            let expiresAt = try #require(RFC3339.parse(expiresText))
            #expect(abs(expiresAt.timeIntervalSinceNow - 600) < 5)

            let opened = try await Self.page(program, token: token)
            #expect(opened.status == .ok)
            #expect(opened.headers[.contentType] == "text/html; charset=utf-8")
            #expect(text(opened).contains(#"<html lang="fr">"#), "the token's language")
            for secret in [program.adminKey, program.readKey, program.ingestKey, app.operatorToken] { #expect(!text(opened).contains(secret)) }

            // Refused: each answered with a 401 page.
            let forged = Self.forge(program: program.id, expiry: Int(Date().timeIntervalSince1970) + 600)
            let altered = token.dropLast(2) + (token.hasSuffix("AA") ? "BB" : "AA")
            for (label, refused) in [("none", nil), ("garbage", "v1.abc.def"), ("altered", String(altered)),
                                     ("expired", Self.forge(program: program.id, expiry: Int(Date().timeIntervalSince1970) - 1)),
                                     ("another program's", try await Self.token(other))] as [(String, String?)] {
                let answer = try await Self.page(program, token: refused)
                #expect(answer.status == .unauthorized, "\(label)")
                #expect(answer.headers[.contentType] == "text/html; charset=utf-8", "\(label)")
            }
            #expect(try await Self.page(program, token: forged).status == .ok, "signed with the key's derivation, it verifies")
            let english = try await Self.page(program, token: nil, headers: [.acceptLanguage: "de-DE, en;q=0.8, fr;q=0.5"])
            #expect(text(english).contains(#"<html lang="en">"#))
            #expect(try await Self.page(program, "/p/no-such-program", token: token).status == .notFound)

            // Who may mint and revoke, and what a request may ask.
            try requireStatus(try await Self.mint(program, key: program.adminKey), .created)
            try expectError(try await Self.mint(program, key: program.ingestKey), .forbidden, code: "forbidden")
            try expectError(try await Self.mint(program, #"{"ttlSeconds": 59, "lang": "de", "memberId": "not an id", "scope": 1}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["memberId", "ttlSeconds", "lang", "scope"])
            try expectError(try await app.send(.post, "\(program.path)/viewer-tokens/revoke", key: program.readKey), .forbidden, code: "forbidden")

            try requireStatus(try await app.send(.post, "\(program.path)/viewer-tokens/revoke", key: program.adminKey), .noContent)
            #expect(try await Self.page(program, token: token).status == .unauthorized, "revoked at once on this instance")
            #expect(try await Self.page(program, token: forged).status == .unauthorized, "of the old epoch")
            #expect(try await Self.page(program, token: try await Self.token(program)).status == .ok, "a new token works")
            #expect(try await AuditTests.audit(program).entries.contains { $0.action == "viewerTokens.revoked" && $0.actor.hasPrefix("key_") })
        }
    }

    /// A token revoked on one instance stops opening pages on another within a second.
    @Test func aRevocationHoldsOnAnotherInstanceWithinASecond() async throws {
        try await TestApp.run { first in
            let program = try await first.createProgram()
            let token = try await Self.token(program)
            let clock = ManualClock()
            try await TestApp.run(database: first.database, clock: clock) { second in
                let elsewhere = TestProgram(app: second, id: program.id, adminKey: program.adminKey, ingestKey: program.ingestKey, readKey: program.readKey)
                #expect(try await Self.page(elsewhere, token: token).status == .ok)
                try requireStatus(try await first.send(.post, "\(program.path)/viewer-tokens/revoke", key: program.adminKey), .noContent)
                #expect(try await Self.page(elsewhere, token: token).status == .ok, "the other instance knew the epoch as it was")
                clock.advance(by: .seconds(1))
                #expect(try await Self.page(elsewhere, token: token).status == .unauthorized)
            }
        }
    }

    @Test func theLeaderboardShowsTheTopTenWithHooksTheViewerPinnedAndNamesAsText() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            // m01 … m12: member i posts i times (25 points each); m07 is named like an attack.
            let members = (1...12).map { String(format: "m%02d", $0) }
            try await program.addMembers(members)
            try requireStatus(try await program.putMember("m07", MemberInput(displayName: "<img src=x onerror=alert(1)>")), .ok)
            let events = members.enumerated().flatMap { index, member in (0...index).map { EventInput(id: "\(member)-\($0)", memberId: member, action: "post") } }
            _ = try await program.recordBatch(events)

            // The viewer m01 is 12th: below the ten shown, pinned under them, 25 points behind #11.
            let viewerToken = try await Self.token(program, memberId: "m01", lang: "en")
            let html = text(try await Self.page(program, token: viewerToken))
            let rows = Self.rows(html)
            #expect(rows.prefix(10).map(\.member) == members.reversed().prefix(10).map { $0 })
            #expect(rows.prefix(10).map(\.rank) == Array(1...10))
            #expect(rows.prefix(10).map(\.points) == (3...12).reversed().map { $0 * 25 })
            #expect(rows.prefix(10).allSatisfy { !$0.current })
            #expect(rows.count == 11)
            #expect(rows.last.map { [$0.member, "\($0.rank)", "\($0.points)", "\($0.current)"] } == ["m01", "12", "25", "true"])
            #expect(html.contains("25 points behind #11"))
            #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
            #expect(!html.contains("<img src=x"))
            // Six period tabs, each keeping the token; this week's is current.
            #expect(html.components(separatedBy: #"href="/p/\#(program.id)?token="#).count - 1 == 7, "six period tabs and the link to this page")
            #expect(html.contains(#"data-live="/p/\#(program.id)/live?token="#), "the stream the script listens to")
            #expect(html.contains(#"aria-current="page">This week</a>"#))

            // A viewer among the ten, on the same board (the page written once for it, filled for each viewer): their row is
            // marked in place, nothing is pinned, and every link carries their token, not the first viewer's.
            let topToken = try await Self.token(program, memberId: "m11", lang: "en")
            let topHTML = text(try await Self.page(program, token: topToken))
            let top = Self.rows(topHTML)
            #expect(top.count == 10)
            #expect(top.filter(\.current).map(\.member) == ["m11"])
            #expect(!topHTML.contains(viewerToken) && !html.contains(topToken))
            #expect(topHTML.components(separatedBy: topToken).count == html.components(separatedBy: viewerToken).count - 1,
                    "the same links, but the pinned row's")
            #expect(topHTML.contains(#"data-viewer="m11""#) && html.contains(#"data-viewer="m01""#))
            #expect(topHTML.contains(#"href="/p/\#(program.id)/members/m11?token=\#(topToken)&amp;lang=en">My page"#))

            // The viewer's place, which the script asks for after each change to keep the pinned row live.
            let place = try await program.app.send(.get, "/p/\(program.id)/place?token=\(viewerToken)&period=week", key: nil)
            #expect(place.headers[.contentType] == "application/json; charset=utf-8")
            #expect(text(place) == #"{"row":{"memberId":"m01","rank":12,"points":25,"name":"M01","team":null},"summary":"25 points behind #11"}"#)
            #expect(text(try await program.app.send(.get, "/p/\(program.id)/place?token=\(topToken)", key: nil))
                == #"{"row":{"memberId":"m11","rank":2,"points":275,"name":"M11","team":null},"summary":"25 points behind #1"}"#)
            let anyone = try await Self.token(program)
            #expect(text(try await program.app.send(.get, "/p/\(program.id)/place?token=\(anyone)", key: nil)) == #"{"row":null,"summary":null}"#)
            #expect(try await program.app.send(.get, "/p/\(program.id)/place?token=nope", key: nil).status == .unauthorized)
            // Level with m02 at #11: the next place up is #10, past the tie.
            _ = try await program.recordBatch([EventInput(id: "m01-again", memberId: "m01", action: "post")])
            #expect(text(try await program.app.send(.get, "/p/\(program.id)/place?token=\(viewerToken)", key: nil))
                == #"{"row":{"memberId":"m01","rank":11,"points":50,"name":"M01","team":null},"summary":"25 points behind #10"}"#)
            // The same on a window of days, which no single board holds: the next place read past the tie too.
            #expect(text(try await program.app.send(.get, "/p/\(program.id)/place?token=\(viewerToken)&period=rolling&days=30", key: nil))
                == #"{"row":{"memberId":"m01","rank":11,"points":50,"name":"M01","team":null},"summary":"25 points behind #10"}"#)
            let leader = try await Self.token(program, memberId: "m12", lang: "en")
            #expect(text(try await program.app.send(.get, "/p/\(program.id)/place?token=\(leader)&period=rolling&days=30", key: nil))
                == #"{"row":{"memberId":"m12","rank":1,"points":300,"name":"M12","team":null},"summary":"You lead this board"}"#)
            #expect(text(try await program.app.send(.get, "/p/\(program.id)/place?token=\(leader)", key: nil))
                == #"{"row":{"memberId":"m12","rank":1,"points":300,"name":"M12","team":null},"summary":"You lead this board"}"#)

            // French, by the query; another period; a team filter that matches no one.
            let french = text(try await Self.page(program, token: try await Self.token(program), query: "lang=fr&period=all"))
            #expect(french.contains(#"<html lang="fr">"#))
            #expect(french.contains(#"aria-current="page">Depuis le début</a>"#))
            #expect(Self.rows(french).count == 10)
            let nobody = text(try await Self.page(program, token: try await Self.token(program), query: "team=Nobody"))
            #expect(Self.rows(nobody).isEmpty)
            #expect(nobody.contains("No points yet for this period."))
            #expect(try await Self.page(program, token: try await Self.token(program), query: "period=fortnight").status == .badRequest)
        }
    }

    @Test func theEmbedMayBeFramedOnlyByTheProgramsOrigins() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let token = try await Self.token(program)
            let embed = "/embed/\(program.id)/leaderboard"
            let closed = try await Self.page(program, embed, token: token)
            #expect(closed.status == .ok)
            #expect(closed.headers[.contentSecurityPolicy]?.hasSuffix("frame-ancestors 'none'") == true)
            #expect(closed.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(closed.headers[.cacheControl] == "private, no-store")

            let refused = try await app.send(.patch, program.path, key: program.adminKey,
                                             body: #"{"embedOrigins": ["https://intranet.example.com/news", "ftp://files.example.com", "HTTPS://X.COM", "https://*.example.com"]}"#)
            try expectError(refused, .unprocessableContent, code: "validation_failed",
                            fields: ["embedOrigins[0]", "embedOrigins[1]", "embedOrigins[2]", "embedOrigins[3]"])
            let changed = try await app.send(.patch, program.path, key: program.adminKey,
                                             body: #"{"embedOrigins": ["https://intranet.example.com", "http://localhost:8443"]}"#)
            #expect(try jsonObject(changed)["embedOrigins"] as? [String] == ["http://localhost:8443", "https://intranet.example.com"])
            let open = try await Self.page(program, embed, token: token)
            #expect(open.headers[.contentSecurityPolicy]?.hasSuffix("frame-ancestors http://localhost:8443 https://intranet.example.com") == true)
            #expect(text(open).contains(#"class="embed""#))
        }
    }

    /// The stream the leaderboard page listens to: the board at once, then again after a change (a `change` may come
    /// between, when the feed saw the count move a tick before the page: three events, at least two of them boards).
    @Test func theLiveStreamSendsTheBoardAtOnceAndAgainAfterAChange() async throws {
        try await TestApp.run(pageStreamLimit: 3) { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            _ = try await program.record(EventInput(id: "a1", memberId: "ana", action: "post"))
            let token = try await Self.token(program, memberId: "ben")
            #expect(try await app.send(.get, "/p/\(program.id)/live", key: nil).status == .unauthorized)

            // Ben shares until the stream has ended (the first board may already hold a share).
            let (response, shares) = try await Self.stream(app, "/p/\(program.id)/live?token=\(token)&period=all") { share in
                _ = try await program.record(EventInput(id: "b\(share)", memberId: "ben", action: "share"))
            }
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(text(response).hasPrefix("retry: 2000\n\n"))
            let events = text(response).components(separatedBy: "\n\n").filter { $0.hasPrefix("event: ") }
            #expect(events.map { $0.split(separator: "\n")[1] } == ["id: 1", "id: 2", "id: 3"])
            let frames = events.filter { $0.hasPrefix("event: board") }
            try #require(frames.count >= 2 && events.first?.hasPrefix("event: board") == true, "the board at once, and again")
            let boards = try frames.map { frame -> [[String: Any]] in
                let data = try #require(frame.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
                return try #require((try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
            }
            func points(_ board: [[String: Any]], _ member: String) -> Int { board.first { $0["memberId"] as? String == member }?["points"] as? Int ?? 0 }
            let first = boards[0], last = boards[boards.count - 1]
            #expect(points(first, "ana") == 25 && points(last, "ana") == 25)
            #expect(points(last, "ben") > points(first, "ben"), "the later board carries a later share")
            #expect(points(last, "ben") % 10 == 0 && points(last, "ben") <= shares * 10)
        }
    }

    /// A live stream read to its end (the app ends it after its limit of events) while `act` runs every 300 ms, 40 times at
    /// most; the answer, and how many times `act` ran.
    static func stream(_ app: TestApp, _ path: String, while act: (Int) async throws -> Void) async throws -> (TestResponse, Int) {
        let ended = Mutex(false)
        let stream = Task {
            defer { ended.withLock { $0 = true } }
            return try await app.send(.get, path, key: nil)
        }
        var times = 0
        while times < 40, !ended.withLock({ $0 }) {
            times += 1
            try await act(times)
            try await Task.sleep(for: .milliseconds(300))
        }
        return (try await stream.value, times)
    }

    /// A change below the top ten is told as `event: change` (the page's pinned row then asks for its place), not as a board.
    @Test func theLiveStreamTellsOfAChangeBelowTheTopTen() async throws {
        try await TestApp.run(pageStreamLimit: 2) { app in
            let program = try await app.createProgram()
            let members = (1...11).map { String(format: "m%02d", $0) }
            try await program.addMembers(members)
            // Ten members with 100 points each; m11 with a like (1 point), far below them.
            _ = try await program.recordBatch(members.dropLast().flatMap { member in (1...4).map { EventInput(id: "\(member)-\($0)", memberId: member, action: "post") } }
                + [EventInput(id: "m11-0", memberId: "m11", action: "like")])
            let token = try await Self.token(program, memberId: "m11")
            let (response, _) = try await Self.stream(app, "/p/\(program.id)/live?token=\(token)&period=all") { like in
                _ = try await program.record(EventInput(id: "m11-\(like)", memberId: "m11", action: "like"))
            }
            let frames = text(response).components(separatedBy: "\n\n").filter { $0.hasPrefix("event: ") }
            #expect(frames.map { $0.split(separator: "\n")[0] } == ["event: board", "event: change"])
            try #require(frames.count == 2)
            #expect(frames[1].split(separator: "\n")[1] == "id: 2")
            #expect(Int(frames[1].split(separator: "\n")[2].dropFirst("data: ".count)) != nil, "the change count")
        }
    }

    /// A member's page: points and ranks, level, badges earned and to earn, the ledger explained; a member who is not public
    /// is shown to themself alone. How to earn points, and the teams' board.
    @Test func theMemberTeamsAndRulesPagesShowWhatEachNeeds() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales")), .ok)
            try requireStatus(try await program.putMember("ben", MemberInput(team: "R&D", visibility: "anonymous")), .ok)
            let version = try await RulesTests.setRules(program, """
                {"actions": {"post": {"points": 25}, "share": {"points": 10, "networks": {"linkedin": 1.5}}},
                 "campaigns": [{"id": "hiring", "name": "Hiring", "from": "2026-01-01T00:00:00+01:00", "to": "2030-01-01T00:00:00+01:00",
                                "actions": ["share"], "multiplier": 2}],
                 "levels": [{"name": "Rookie", "minPoints": 0}, {"name": "Pro", "minPoints": 100}]}
                """)
            try await BadgeAwardTests.defineBadge(program, "first-post", #"{"name": "First post", "criteria": {"type": "firstAction", "action": "post"}}"#)
            try await BadgeAwardTests.defineBadge(program, "sharer", #"{"name": "Sharer", "criteria": {"type": "actionCount", "action": "share", "period": "all", "count": 5}}"#)
            // A second after the version takes effect (an event of the same second could fall before it).
            let at = Timestamp.rfc3339(try #require(version.effectiveFrom.flatMap(Timestamp.parse)).addingTimeInterval(1))
            _ = try await program.record(EventInput(id: "s1", memberId: "ana", action: "share", network: "linkedin", occurredAt: at))
            _ = try await program.record(EventInput(id: "p1", memberId: "ben", action: "post", occurredAt: at))
            let token = try await Self.token(program, memberId: "ben")

            let ana = try await Self.page(program, "/p/\(program.id)/members/ana", token: token)
            #expect(ana.status == .ok)
            let html = text(ana)
            #expect(html.contains("<h1>Ana</h1>"))
            #expect(html.contains(#"<tr data-period="all"><th scope="row">All time</th><td class="num">30</td><td class="num">#1</td></tr>"#))
            #expect(html.contains(#"<tr data-period="quarter"><th scope="row">This quarter</th><td class="num">30</td><td class="num">#1</td></tr>"#))
            #expect(html.contains(#"<tr data-period="year"><th scope="row">This year</th><td class="num">30</td><td class="num">#1</td></tr>"#))
            #expect(html.contains("<h2 id=\"level\">Level: Rookie</h2>"))
            #expect(html.contains("70 points to Pro"))
            #expect(html.contains(#"<li data-badge-id="sharer">Sharer: Reach 5 × “share” in total</li>"#))
            #expect(html.contains(#"<li data-badge-id="first-post">First post: Do a first “post”</li>"#))
            #expect(html.contains("share 10 × 1.5 (linkedin), campaign Hiring × 2 = 30"))

            // Ben is anonymous: his own page opens with his token, not with another's.
            #expect(try await Self.page(program, "/p/\(program.id)/members/ben", token: token).status == .ok)
            let other = try await Self.token(program, memberId: "ana")
            #expect(try await Self.page(program, "/p/\(program.id)/members/ben", token: other).status == .notFound)
            #expect(try await Self.page(program, "/p/\(program.id)/members/nobody", token: other).status == .notFound)
            let benPage = text(try await Self.page(program, "/p/\(program.id)/members/ben", token: token))
            #expect(benPage.contains(#"<li data-badge-id="first-post">First post"#), "Ben's first post earned it")
            #expect(benPage.contains(#"<tr data-period="year"><th scope="row">This year</th><td class="num">25</td><td class="num">#2</td></tr>"#),
                    "an anonymous member is ranked")

            let rules = text(try await Self.page(program, "/p/\(program.id)/rules", token: token, query: "lang=fr"))
            #expect(rules.contains(#"<tr data-action="share"><th scope="row">share</th><td class="num">10</td><td>Sur linkedin : × 1,5</td></tr>"#))
            #expect(rules.contains("Hiring : × 2 du"))
            #expect(rules.contains("Pro: dès 100 points"))

            let teams = text(try await Self.page(program, "/p/\(program.id)/teams", token: token, query: "period=all"))
            #expect(teams.contains(#"<tr data-team="Sales" data-rank="1" data-points="30">"#))
            #expect(teams.contains(#"<tr data-team="R&amp;D" data-rank="2" data-points="25">"#))
            #expect(teams.contains(#"<main id="content" data-refresh="/p/\#(program.id)/live?token=\#(token)&amp;period=all">"#),
                    "the program's board of the same days: the script reads the page again when it changes")
            #expect(teams.contains(#"<p class="empty" hidden>"#) && teams.contains(#"<script src="/assets/live.js" defer></script>"#))
        }
    }
}
