import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyServer
import RallyTestSupport
import Testing

@Suite("Programs and keys")
struct ProgramAndKeyTests {
    @Test func operatorCreatesAProgramAndItsAdminKeyIsShownOnce() async throws {
        try await TestApp.run { app in
            let id = TestIds.program()
            let before = Date()
            let response = try await app.send(.post, "/v1/programs", key: app.operatorToken,
                                              json: ProgramInput(id: id, name: "ACME Ambassadors", timezone: "Europe/Paris"))
            try requireStatus(response, .created)
            #expect(Set(try jsonObject(response).keys) == ["id", "name", "timezone", "createdAt", "backfillDays", "clockSkewMinutes", "participation", "mediaValue", "embedOrigins", "integrity", "adminKey"])
            let created = try decode(ProgramDTO.self, from: response)
            #expect(created.id == id)
            #expect(created.name == "ACME Ambassadors")
            #expect(created.timezone == "Europe/Paris")
            let adminKey = try #require(created.adminKey)
            #expect(adminKey.hasPrefix("rk_"))
            #expect(adminKey.count == 43)
            let createdAt = try #require(Timestamp.parse(created.createdAt), "createdAt is not RFC 3339: \(created.createdAt)")
            #expect(abs(createdAt.timeIntervalSince(before)) < 60)
            #expect(created.createdAt.hasSuffix(Timestamp.offset(of: TimeZone(identifier: "Europe/Paris")!, at: createdAt)),
                    "createdAt is written in the program's time zone: \(created.createdAt)")

            // Read back with the admin key: the same program, and the key is not shown again.
            let shown = try await app.send(.get, "/v1/programs/\(id)", key: adminKey)
            try requireStatus(shown, .ok)
            #expect(try jsonObject(shown)["adminKey"] == nil)
            #expect(try decode(ProgramDTO.self, from: shown) == ProgramDTO(id: id, name: "ACME Ambassadors", timezone: "Europe/Paris",
                                                                           createdAt: created.createdAt, backfillDays: 366, clockSkewMinutes: 60, adminKey: nil))

            let keys = try await app.send(.get, "/v1/programs/\(id)/keys", key: adminKey)
            try requireStatus(keys, .ok)
            let listed = try decode(KeyListDTO.self, from: keys).keys
            #expect(listed.count == 1)
            #expect(listed.first?.role == "admin")
            #expect(listed.first?.key == nil)
            #expect(!text(keys).contains(adminKey))
        }
    }

    @Test func duplicateProgramIdIsAConflict() async throws {
        try await TestApp.run { app in
            let id = TestIds.program()
            let input = ProgramInput(id: id, name: "First", timezone: "Europe/Paris")
            let first = try await app.send(.post, "/v1/programs", key: app.operatorToken, json: input)
            try requireStatus(first, .created)
            let adminKey = try #require(try decode(ProgramDTO.self, from: first).adminKey)

            let second = try await app.send(.post, "/v1/programs", key: app.operatorToken,
                                            json: ProgramInput(id: id, name: "Second", timezone: "Pacific/Auckland"))
            try expectError(second, .conflict, code: "already_exists")

            // The first program is untouched.
            let shown = try await app.send(.get, "/v1/programs/\(id)", key: adminKey)
            try requireStatus(shown, .ok)
            let program = try decode(ProgramDTO.self, from: shown)
            #expect(program.name == "First")
            #expect(program.timezone == "Europe/Paris")
        }
    }

    struct InvalidProgram: Sendable, CustomTestStringConvertible {
        var id: String?
        var name: String
        var timezone: String
        var fields: [String]

        var testDescription: String { "\(fields)" }
    }

    @Test(arguments: [
        InvalidProgram(id: "bad id!", name: "Bad id", timezone: "Europe/Paris", fields: ["id"]),
        InvalidProgram(id: "", name: "Empty id", timezone: "Europe/Paris", fields: ["id"]),
        InvalidProgram(id: String(repeating: "a", count: 129), name: "Long id", timezone: "Europe/Paris", fields: ["id"]),
        InvalidProgram(id: nil, name: "Unknown zone", timezone: "Mars/Olympus", fields: ["timezone"]),
        InvalidProgram(id: nil, name: "Empty zone", timezone: "", fields: ["timezone"]),
        InvalidProgram(id: nil, name: "", timezone: "Europe/Paris", fields: ["name"]),
        InvalidProgram(id: "bad/id", name: "Both", timezone: "Mars/Olympus", fields: ["id", "timezone"]),
    ])
    func invalidProgramIsRefusedNamingTheField(_ invalid: InvalidProgram) async throws {
        try await TestApp.run { app in
            let id = invalid.id ?? TestIds.program()
            let response = try await app.send(.post, "/v1/programs", key: app.operatorToken,
                                              json: ProgramInput(id: id, name: invalid.name, timezone: invalid.timezone))
            try expectError(response, .unprocessableContent, code: "validation_failed", fields: invalid.fields)
            if invalid.id == nil {
                // Nothing was created: the same id is still free.
                let retry = try await app.send(.post, "/v1/programs", key: app.operatorToken,
                                               json: ProgramInput(id: id, name: "Valid", timezone: "Europe/Paris"))
                try requireStatus(retry, .created)
            }
        }
    }

    @Test func missingProgramFieldIsNamed() async throws {
        try await TestApp.run { app in
            let response = try await app.send(.post, "/v1/programs", key: app.operatorToken,
                                              body: #"{"id": "\#(TestIds.program())", "name": "No zone"}"#)
            try expectError(response, .unprocessableContent, code: "validation_failed", fields: ["timezone"])
        }
    }

    @Test func creatingAProgramWithoutAValidTokenIs401() async throws {
        try await TestApp.run { app in
            let input = ProgramInput(id: TestIds.program(), name: "Nope", timezone: "Europe/Paris")
            let anonymous = try await app.send(.post, "/v1/programs", key: nil, json: input)
            try expectError(anonymous, .unauthorized, code: "unauthorized", fields: [])
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")

            let wrong = try await app.send(.post, "/v1/programs", key: "op-not-the-token", json: input)
            try expectError(wrong, .unauthorized, code: "unauthorized")

            let notBearer = try await app.send(.post, "/v1/programs", key: nil, json: input,
                                               headers: [.authorization: "Basic \(app.operatorToken)"])
            try expectError(notBearer, .unauthorized, code: "unauthorized")
        }
    }

    @Test func programKeyCannotCreateAProgram() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            for key in [program.adminKey, program.ingestKey, program.readKey] {
                let response = try await app.send(.post, "/v1/programs", key: key,
                                                  json: ProgramInput(id: TestIds.program(), name: "Sneaky", timezone: "Europe/Paris"))
                try expectError(response, .forbidden, code: "forbidden")
            }
        }
    }

    @Test func adminCreatesIngestAndReadKeysAndTheListNeverShowsSecrets() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await app.send(.post, "\(program.path)/keys", key: program.adminKey,
                                              json: KeyInput(role: "ingest", label: "Haiilo connector"))
            try requireStatus(response, .created)
            #expect(Set(try jsonObject(response).keys) == ["id", "role", "label", "rateLimit", "key"])
            #expect(try jsonObject(response)["rateLimit"] is NSNull, "no limit of its own: its role's")
            let ingest = try decode(KeyDTO.self, from: response)
            #expect(ingest.id.hasPrefix("key_"))
            #expect(ingest.role == "ingest")
            #expect(ingest.label == "Haiilo connector")
            let secret = try #require(ingest.key)
            #expect(secret.hasPrefix("rk_"))

            let read = try await program.createKey(role: "read", label: "Intranet widget")
            #expect(read.role == "read")
            let readSecret = try #require(read.key)

            // The new keys work for their role.
            try requireStatus(try await program.putMember("ana", key: secret), .created)
            try requireStatus(try await app.send(.get, "\(program.path)/members/ana", key: readSecret), .ok)

            let list = try await app.send(.get, "\(program.path)/keys", key: program.adminKey)
            try requireStatus(list, .ok)
            let keys = try decode(KeyListDTO.self, from: list).keys
            // The program's first admin key, the helper's ingest and read keys, and the two made here.
            #expect(keys.count == 5)
            #expect(keys.allSatisfy { $0.key == nil && $0.createdAt != nil })
            #expect(keys.contains { $0.id == ingest.id && $0.role == "ingest" && $0.label == "Haiilo connector" })
            #expect(keys.contains { $0.id == read.id && $0.role == "read" && $0.label == "Intranet widget" })
            for hidden in [secret, readSecret, program.adminKey, program.ingestKey, program.readKey] {
                #expect(!text(list).contains(hidden))
            }
        }
    }

    @Test func unknownKeyRoleIsNamed() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await app.send(.post, "\(program.path)/keys", key: program.adminKey, json: KeyInput(role: "superuser"))
            try expectError(response, .unprocessableContent, code: "validation_failed", fields: ["role"])
        }
    }

    @Test func revokedKeyIsRefusedAtOnce() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let key = try await program.createKey(role: "ingest", label: "to revoke")
            let secret = try #require(key.key)
            // Used once, so any cache of it is warm.
            try requireStatus(try await program.putMember("ana", key: secret), .created)

            let revoke = try await app.send(.delete, "\(program.path)/keys/\(key.id)", key: program.adminKey)
            try requireStatus(revoke, .noContent)
            #expect(revoke.body.readableBytes == 0)

            try expectError(try await program.putMember("ana", key: secret), .unauthorized, code: "unauthorized")
            // Still listed, with when it was last used and revoked.
            let list = try decode(KeyListDTO.self, from: try await app.send(.get, "\(program.path)/keys", key: program.adminKey))
            let revoked = try #require(list.keys.first { $0.id == key.id })
            #expect(revoked.lastUsedAt != nil && revoked.revokedAt != nil)
            #expect(list.keys.first { $0.role == "read" }?.lastUsedAt == nil)
            #expect(list.keys.filter { $0.id != key.id }.allSatisfy { $0.revokedAt == nil })

            // Revoking it again, or a key that never existed: 404.
            try expectError(try await app.send(.delete, "\(program.path)/keys/\(key.id)", key: program.adminKey), .notFound, code: "not_found")
            try expectError(try await app.send(.delete, "\(program.path)/keys/key_doesnotexist", key: program.adminKey), .notFound, code: "not_found")
        }
    }

    /// Another instance that has just used a key stops accepting it within a second of its revocation.
    @Test func aKeyRevokedOnOneInstanceStopsWorkingOnAnotherWithinASecond() async throws {
        try await TestApp.run { first in
            let program = try await first.createProgram()
            let key = try await program.createKey(role: "read")
            let secret = try #require(key.key)
            let clock = ManualClock()
            try await TestApp.run(database: first.database, clock: clock) { second in
                try requireStatus(try await second.send(.get, program.path, key: secret), .ok)
                try requireStatus(try await first.send(.delete, "\(program.path)/keys/\(key.id)", key: program.adminKey), .noContent)
                // The second instance still knows the key as it was until a second has passed.
                try requireStatus(try await second.send(.get, program.path, key: secret), .ok)
                clock.advance(by: .seconds(1))
                try expectError(try await second.send(.get, program.path, key: secret), .unauthorized, code: "unauthorized")
            }
        }
    }

    /// A program's settings and rules changed through one instance are in force on another within a second.
    @Test func aProgramChangedOnOneInstanceIsSeenOnAnotherWithinASecond() async throws {
        try await TestApp.run { first in
            let program = try await first.createProgram()
            try await program.addMembers(["ana"])
            let clock = ManualClock()
            try await TestApp.run(database: first.database, clock: clock) { second in
                let there = TestProgram(app: second, id: program.id, adminKey: program.adminKey, ingestKey: program.ingestKey, readKey: program.readKey)
                func name() async throws -> String {
                    try decode(ProgramDTO.self, from: try await second.send(.get, program.path, key: program.readKey)).name
                }
                let before = try await name()
                try requireStatus(try await first.send(.patch, program.path, key: program.adminKey, body: #"{"name": "Renamed"}"#), .ok)
                let published = try await RulesTests.setRules(program, #"{"actions": {"share": {"points": 7}}}"#)
                // The second instance goes on with the program as it read it until a second has passed.
                #expect(try await name() == before)
                clock.advance(by: .seconds(1))
                #expect(try await name() == "Renamed")
                // Dated a second on: the test's timestamps are whole seconds, the version's start is not.
                let scored = try await there.record(EventInput(id: "e1", memberId: "ana", action: "share",
                                                               occurredAt: Timestamp.rfc3339(Timestamp.now().addingTimeInterval(1))))
                #expect(scored.points == 7 && scored.rulesVersion == published.version)
            }
        }
    }

    @Test func readKeyCannotPostEventsOrUpsertMembers() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try expectError(try await program.postEvent(EventInput(id: "e1", memberId: "ana", action: "share"), key: program.readKey),
                            .forbidden, code: "forbidden")
            try expectError(try await program.putMember("ben", key: program.readKey), .forbidden, code: "forbidden")
            // Nothing was recorded.
            #expect(try await program.profile("ana").points == PointsDTO(lifetime: 0, week: 0, month: 0, balance: 0))
            try expectError(try await app.send(.get, "\(program.path)/members/ben", key: program.readKey), .notFound, code: "not_found")
        }
    }

    @Test func ingestKeyCannotReadLeaderboardsProfilesOrManageKeys() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try expectError(try await app.send(.get, "\(program.path)/leaderboards/members", key: program.ingestKey), .forbidden, code: "forbidden")
            try expectError(try await app.send(.get, "\(program.path)/members/ana", key: program.ingestKey), .forbidden, code: "forbidden")
            try expectError(try await app.send(.post, "\(program.path)/keys", key: program.ingestKey, json: KeyInput(role: "admin")),
                            .forbidden, code: "forbidden")
            try expectError(try await app.send(.get, "\(program.path)/keys", key: program.readKey), .forbidden, code: "forbidden")
        }
    }

    @Test func anotherProgramsAdminKeyIsForbidden() async throws {
        try await TestApp.run { app in
            let mine = try await app.createProgram()
            let theirs = try await app.createProgram()
            try await mine.addMembers(["ana"])
            let key = theirs.adminKey
            try expectError(try await app.send(.get, mine.path, key: key), .forbidden, code: "forbidden")
            try expectError(try await app.send(.get, "\(mine.path)/leaderboards/members", key: key), .forbidden, code: "forbidden")
            try expectError(try await app.send(.get, "\(mine.path)/members/ana", key: key), .forbidden, code: "forbidden")
            try expectError(try await app.send(.post, "\(mine.path)/keys", key: key, json: KeyInput(role: "ingest")), .forbidden, code: "forbidden")
            try expectError(try await mine.postEvent(EventInput(id: "e1", memberId: "ana", action: "post"), key: key), .forbidden, code: "forbidden")
            #expect(try await mine.profile("ana").points.lifetime == 0)
        }
    }

    @Test func unknownProgramIs404ForTheOperator() async throws {
        try await TestApp.run { app in
            let missing = "/v1/programs/\(TestIds.program())"
            try expectError(try await app.send(.get, missing, key: app.operatorToken), .notFound, code: "not_found")
            try expectError(try await app.send(.get, "\(missing)/leaderboards/members", key: app.operatorToken), .notFound, code: "not_found")
            try expectError(try await app.send(.get, "\(missing)/members/ana", key: app.operatorToken), .notFound, code: "not_found")
        }
    }

    @Test func operatorMayActOnAnyProgram() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try requireStatus(try await program.putMember("ana", key: app.operatorToken), .created)
            try requireStatus(try await program.postEvent(EventInput(id: "e1", memberId: "ana", action: "post"), key: app.operatorToken), .created)
            try requireStatus(try await app.send(.get, "\(program.path)/leaderboards/members", key: app.operatorToken), .ok)
        }
    }

    @Test func unknownKeyIs401() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let response = try await app.send(.get, "\(program.path)/leaderboards/members", key: "rk_0000000000000000000000000000000000000000")
            try expectError(response, .unauthorized, code: "unauthorized")
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
        }
    }
}

/// Rate limits per key: a key past its rate gets 429 with `Retry-After`; other keys are not slowed by it.
@Suite("Trust: rate limits")
struct RateLimitTests {
    @Test func aKeyPastItsRateIsAnswered429WithRetryAfter() async throws {
        let clock = ManualClock()
        try await TestApp.run(clock: clock, rateLimits: RateLimits(perSecond: [.read: 1])) { app in
            let program = try await app.createProgram()
            // Ten at once while the clock stands still: a burst of two seconds' worth passes, the rest is refused.
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<10 { group.addTask { try await app.send(.get, program.path, key: program.readKey) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.map(\.status.code).sorted() == [200, 200] + Array(repeating: 429, count: 8))
            let limited = try #require(responses.first { $0.status == .tooManyRequests })
            try expectError(limited, .tooManyRequests, code: "rate_limited")
            #expect(limited.headers[.retryAfter] == "1")
            // Another key of the program, and the operator, are not limited by it.
            try requireStatus(try await app.send(.get, program.path, key: program.adminKey), .ok)
            try requireStatus(try await app.send(.get, program.path, key: app.operatorToken), .ok)
            // A second later, one more request's worth has come back.
            clock.advance(by: .seconds(1))
            try requireStatus(try await app.send(.get, program.path, key: program.readKey), .ok)
            try expectError(try await app.send(.get, program.path, key: program.readKey), .tooManyRequests, code: "rate_limited")
        }
    }

    /// Two instances on one Redis take a key's requests from one bucket: together they pass its rate, not twice it,
    /// whichever instance each request reaches.
    @Test func twoInstancesShareAKeysRate() async throws {
        let clock = ManualClock()
        let limits = RateLimits(perSecond: [.read: 40])
        try await TestApp.run(clock: clock, rateLimits: limits) { first in
            let program = try await first.createProgram()
            try await TestApp.run(database: first.database, clock: clock, rateLimits: limits, namespace: first.namespace) { second in
                let there = TestProgram(app: second, id: program.id, adminKey: program.adminKey, ingestKey: program.ingestKey, readKey: program.readKey)
                // 60 on each at once while the clock stands still: the bucket's two seconds' worth, 80, pass in all, but
                // for a token an instance took (two at a time: a twentieth of the rate) after its last request had
                // asked: at most one per instance.
                async let here = Self.burst(60, first, program, key: program.readKey)
                async let across = Self.burst(60, second, there, key: program.readKey)
                let (a, b) = try await (here, across)
                #expect((78...80).contains((a + b).filter { $0 == 200 }.count))
                #expect(a.contains(200) && b.contains(200), "each instance passed some: \(a.filter { $0 == 200 }.count) and \(b.filter { $0 == 200 }.count)")
                // A second later, a second's worth more, wherever they are sent: 40 of 30 + 30.
                clock.advance(by: .seconds(1))
                async let later = Self.burst(30, first, program, key: program.readKey)
                async let laterAcross = Self.burst(30, second, there, key: program.readKey)
                let (c, d) = try await (later, laterAcross)
                #expect((38...40).contains((c + d).filter { $0 == 200 }.count))
            }
        }
    }

    /// With no Redis to share buckets through, an instance still holds each key to its rate, counting alone.
    @Test func whileRedisCannotBeReachedAnInstanceLimitsAlone() async throws {
        let clock = ManualClock()
        try await TestApp.run(clock: clock, rateLimits: RateLimits(perSecond: [.read: 1]), redisURL: "redis://127.0.0.1:1/0") { app in
            let program = try await app.createProgram()
            #expect(try await Self.burst(10, app, program, key: program.readKey) == Self.passed(2, of: 10))
            clock.advance(by: .seconds(1))
            #expect(try await Self.burst(3, app, program, key: program.readKey) == Self.passed(1, of: 3))
        }
    }

    /// Sends `count` requests at once with `key` while the clock stands still; the statuses, sorted.
    static func burst(_ count: Int, _ app: TestApp, _ program: TestProgram, key: String) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count { group.addTask { Int(try await app.send(.get, program.path, key: key).status.code) } }
            return try await group.reduce(into: []) { $0.append($1) }.sorted()
        }
    }

    static func passed(_ count: Int, of total: Int) -> [Int] {
        Array(repeating: 200, count: count) + Array(repeating: 429, count: total - count)
    }

    @Test func aKeyWithALimitOfItsOwnIsHeldToItAndTheOthersToTheirRoles() async throws {
        let clock = ManualClock()
        var limits = RateLimits(perSecond: [.read: 1])
        limits.keyMaximum = 50
        try await TestApp.run(clock: clock, rateLimits: limits) { app in
            let program = try await app.createProgram()
            for refused in ["51", "0", "-3", "2.5", #""fast""#] {
                try expectError(try await app.send(.post, "\(program.path)/keys", key: program.adminKey, body: #"{"role": "read", "rateLimit": \#(refused)}"#),
                                .unprocessableContent, code: "validation_failed", fields: ["rateLimit"])
            }
            let widget = try decode(KeyDTO.self, from: try await app.send(.post, "\(program.path)/keys", key: program.adminKey,
                                                                          json: KeyInput(role: "read", label: "Widget", rateLimit: 5)))
            #expect(widget.rateLimit == 5)
            let secret = try #require(widget.key)

            // Bursts of two seconds' worth: 10 of the widget's 20, 2 of the role's key's 10.
            #expect(try await Self.burst(20, app, program, key: secret) == Self.passed(10, of: 20))
            #expect(try await Self.burst(10, app, program, key: program.readKey) == Self.passed(2, of: 10))
            let listed = try decode(KeyListDTO.self, from: try await app.send(.get, "\(program.path)/keys", key: program.adminKey)).keys
            #expect(listed.first { $0.id == widget.id }?.rateLimit == 5)
            #expect(listed.filter { $0.id != widget.id }.allSatisfy { $0.rateLimit == nil })

            // Lowered to 2: ten seconds later the bucket holds two seconds' worth of the new rate.
            let lowered = try await app.send(.patch, "\(program.path)/keys/\(widget.id)", key: program.adminKey, body: #"{"rateLimit": 2}"#)
            #expect(try decode(KeyDTO.self, from: lowered).rateLimit == 2)
            #expect(try decode(KeyDTO.self, from: lowered).label == "Widget", "what the change leaves out stays")
            clock.advance(by: .seconds(10))
            #expect(try await Self.burst(10, app, program, key: secret) == Self.passed(4, of: 10))
            // Back to the role's limit (null), with a new label.
            let reset = try await app.send(.patch, "\(program.path)/keys/\(widget.id)", key: program.adminKey, body: #"{"rateLimit": null, "label": "Intranet"}"#)
            #expect(try decode(KeyDTO.self, from: reset).rateLimit == nil)
            #expect(try decode(KeyDTO.self, from: reset).label == "Intranet")
            clock.advance(by: .seconds(10))
            #expect(try await Self.burst(10, app, program, key: secret) == Self.passed(2, of: 10))

            let change = "\(program.path)/keys/\(widget.id)"
            try expectError(try await app.send(.patch, change, key: program.adminKey, body: #"{"rateLimit": 51}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["rateLimit"])
            try expectError(try await app.send(.patch, change, key: program.adminKey, body: #"{"burst": 3, "label": 7}"#),
                            .unprocessableContent, code: "validation_failed", fields: ["label", "burst"])
            try expectError(try await app.send(.patch, change, key: program.readKey, body: #"{"rateLimit": 9}"#), .forbidden, code: "forbidden")
            try expectError(try await app.send(.patch, "\(program.path)/keys/key_doesnotexist", key: program.adminKey, body: #"{"rateLimit": 9}"#),
                            .notFound, code: "not_found")
            try requireStatus(try await app.send(.delete, change, key: program.adminKey), .noContent)
            try expectError(try await app.send(.patch, change, key: program.adminKey, body: #"{"rateLimit": 9}"#), .notFound, code: "not_found")

            // Each change is audited with the limit before and after.
            let changes = try await AuditTests.audit(program).entries.filter { $0.action == "key.changed" }
            #expect(changes.map { $0.after?["rateLimit"] } == [.null, .integer(2)])
            #expect(changes.map { $0.before?["rateLimit"] } == [.integer(2), .integer(5)])
        }
    }

    @Test func limitsAreReadFromTheirSetting() {
        #expect(RateLimits(parsing: "ingest=50,read=0") == RateLimits(perSecond: [.ingest: 50, .admin: 20]))
        #expect(RateLimits(parsing: "ingest=-1") == nil)
        #expect(RateLimits(parsing: "writer=5") == nil)
        #expect(RateLimits(parsing: "ingest") == nil)
    }
}
