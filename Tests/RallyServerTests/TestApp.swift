import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import RallyCore
import RallyServer
import Redis
import Testing

// MARK: - Environment

/// Where the real PostgreSQL and Redis are: read from the environment; a missing variable fails the test, never skips it.
enum TestEnvironment {
    static func databaseURL() throws -> String {
        try variable("RALLY_TEST_DATABASE_URL", example: "postgresql://rally@127.0.0.1:54329/rally_test")
    }

    static func redisURL() throws -> String {
        try variable("RALLY_TEST_REDIS_URL", example: "redis://127.0.0.1:63799/15")
    }

    /// The repository's `Migrations/` folder, found from this file's place in `Tests/RallyServerTests/`.
    static let migrationsDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Migrations").path

    /// Quiet unless `RALLY_TEST_LOG_LEVEL` asks for more (e.g. `debug`).
    static let logger: Logger = {
        var logger = Logger(label: "rally-server-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["RALLY_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .error
        return logger
    }()

    private static func variable(_ name: String, example: String) throws -> String {
        let value = ProcessInfo.processInfo.environment[name]
        return try #require(
            value.flatMap { $0.isEmpty ? nil : $0 },
            "\(name) is not set: start the local services (bash ops/services start) and export it, e.g. \(name)=\(example)")
    }
}

/// Ids no other test uses, so suites run in parallel on the shared database.
enum TestIds {
    static func program() -> String { "p-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "") }
}

/// The Redis keys of one app's namespace, reached directly (the app never sees these calls).
enum RedisNamespace {
    /// Sends one command to the Redis the apps use.
    static func send(_ command: [String], redisURL: String) async throws -> RedisReply {
        let pool = RedisPool(configuration: try RedisConfiguration(url: redisURL, maximumConnections: 1), logger: TestEnvironment.logger)
        do {
            let reply = try await pool.send(command)
            await pool.shutdown()
            return reply
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// Deletes every key under `<namespace>/`; returns how many were deleted.
    @discardableResult
    static func delete(_ namespace: String, redisURL: String) async throws -> Int {
        let pool = RedisPool(configuration: try RedisConfiguration(url: redisURL, maximumConnections: 1), logger: TestEnvironment.logger)
        do {
            var cursor = "0"
            var deleted = 0
            repeat {
                let reply = try await pool.send(["SCAN", cursor, "MATCH", "\(namespace)/*", "COUNT", "1000"])
                let parts = reply.array ?? []
                cursor = parts.first?.string ?? "0"
                let keys = parts.count > 1 ? (parts[1].array ?? []).compactMap(\.string) : []
                if !keys.isEmpty { deleted += try await pool.send(["DEL"] + keys).int ?? 0 }
            } while cursor != "0"
            await pool.shutdown()
            return deleted
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}

// MARK: - The app under test

/// One Rally application built for one test: its own Redis namespace, operator token and metrics registry.
struct TestApp: Sendable {
    let client: any TestClientProtocol
    /// Every route the app serves, with its access rule.
    let routes: RouteTable
    let operatorToken: String
    let namespace: String
    let redisURL: String

    /// Builds the app against the real PostgreSQL and Redis, runs `body` with a router client, then drops the namespace.
    static func run<T>(_ setup: TestingSetup = .router, retention: BoardRetention = .standard, background: Duration = .seconds(1),
                       metricsRefresh: Duration = .seconds(30), analyticsPreparation: Duration? = nil,
                       rateLimits: RateLimits = RateLimits(perSecond: [:]), logger: Logger = TestEnvironment.logger,
                       _ body: @Sendable (TestApp) async throws -> T) async throws -> T {
        let databaseURL = try TestEnvironment.databaseURL()
        let redisURL = try TestEnvironment.redisURL()
        var configuration = AppConfiguration(databaseURL: databaseURL, redisURL: redisURL)
        configuration.migrationsDirectory = TestEnvironment.migrationsDirectory
        configuration.redisNamespace = "test-\(UUID().uuidString.lowercased())"
        let operatorToken = "op-\(UUID().uuidString)"
        configuration.operatorToken = operatorToken
        configuration.postgresConnections = 4
        configuration.redisConnections = 4
        configuration.logLevel = logger.logLevel
        configuration.boardRetention = retention
        configuration.backgroundInterval = background
        // Every test app may send any test's deliveries (they share the database): all retry soon.
        configuration.webhookFirstRetryDelay = .milliseconds(100)
        configuration.metricsRefreshInterval = metricsRefresh
        // Preparing would count every program of the shared test database.
        configuration.analyticsPreparationInterval = analyticsPreparation
        // Tests send as fast as they can: no limit unless a test sets one.
        configuration.rateLimits = rateLimits
        let namespace = configuration.redisNamespace
        let (app, routes) = try await buildService(configuration, registry: PrometheusCollectorRegistry(), logger: logger)
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await app.test(setup) { client in
                try await body(TestApp(client: client, routes: routes, operatorToken: operatorToken, namespace: namespace, redisURL: redisURL))
            })
        } catch {
            outcome = .failure(error)
        }
        _ = try? await RedisNamespace.delete(namespace, redisURL: redisURL)
        return try outcome.get()
    }

    /// Sends a request with an optional bearer key and a raw JSON body.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String?, body: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// Sends raw bytes as a JSON body (invalid UTF-8 included).
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String?, bytes: [UInt8]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    /// Sends a request whose body is `json` encoded.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String?, json: some Encodable, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(method, uri, key: key, body: try encodeJSON(json), headers: headers)
    }

    /// Creates a program with the operator token, plus an ingest and a read key; `backfillDays` widens the window
    /// of accepted `occurredAt` for tests that record events of fixed past dates.
    func createProgram(timezone: String = "Europe/Paris", name: String = "Test program", backfillDays: Int? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestProgram {
        let id = TestIds.program()
        let response = try await send(.post, "/v1/programs", key: operatorToken, json: ProgramInput(id: id, name: name, timezone: timezone))
        try requireStatus(response, .created, sourceLocation: sourceLocation)
        let adminKey = try #require(try decode(ProgramDTO.self, from: response).adminKey, sourceLocation: sourceLocation)
        var program = TestProgram(app: self, id: id, adminKey: adminKey, ingestKey: "", readKey: "")
        program.ingestKey = try #require(try await program.createKey(role: "ingest").key, sourceLocation: sourceLocation)
        program.readKey = try #require(try await program.createKey(role: "read").key, sourceLocation: sourceLocation)
        if let backfillDays {
            try requireStatus(try await send(.patch, program.path, key: adminKey, body: #"{"backfillDays": \#(backfillDays)}"#), .ok,
                              sourceLocation: sourceLocation)
        }
        return program
    }
}

/// A program of the app under test, with one key of each role.
struct TestProgram: Sendable {
    let app: TestApp
    let id: String
    let adminKey: String
    var ingestKey: String
    var readKey: String

    var path: String { "/v1/programs/\(id)" }

    func createKey(role: String, label: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> KeyDTO {
        let response = try await app.send(.post, "\(path)/keys", key: adminKey, json: KeyInput(role: role, label: label))
        try requireStatus(response, .created, sourceLocation: sourceLocation)
        return try decode(KeyDTO.self, from: response)
    }

    @discardableResult
    func putMember(_ memberId: String, _ input: MemberInput = MemberInput(), key: String? = nil) async throws -> TestResponse {
        try await app.send(.put, "\(path)/members/\(memberId)", key: key ?? ingestKey, json: input)
    }

    /// Creates public, enrolled members named after their ids; fails the test on any other answer than 201.
    func addMembers(_ ids: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for memberId in ids {
            try requireStatus(try await putMember(memberId, MemberInput(displayName: memberId.uppercased())), .created, sourceLocation: sourceLocation)
        }
    }

    func postEvent(_ event: EventInput, key: String? = nil) async throws -> TestResponse {
        try await app.send(.post, "\(path)/events", key: key ?? ingestKey, json: event)
    }

    /// Posts an event that must be created (201) and returns its result.
    @discardableResult
    func record(_ event: EventInput, sourceLocation: SourceLocation = #_sourceLocation) async throws -> EventResultDTO {
        let response = try await postEvent(event)
        try requireStatus(response, .created, sourceLocation: sourceLocation)
        return try decode(EventResultDTO.self, from: response, sourceLocation: sourceLocation)
    }

    func postBatch(_ events: [EventInput]) async throws -> TestResponse {
        try await app.send(.post, "\(path)/events/batch", key: ingestKey, json: BatchInput(events: events))
    }

    /// Posts a batch that must be answered 200 and returns its results.
    func recordBatch(_ events: [EventInput], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [BatchItemDTO] {
        let response = try await postBatch(events)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(BatchDTO.self, from: response, sourceLocation: sourceLocation).results
    }

    func profile(_ memberId: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> ProfileDTO {
        let response = try await app.send(.get, "\(path)/members/\(memberId)", key: readKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(ProfileDTO.self, from: response, sourceLocation: sourceLocation)
    }

    func ledgerPage(_ memberId: String, limit: Int? = nil, cursor: String? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation) async throws -> LedgerDTO {
        let response = try await app.send(.get, "\(path)/members/\(memberId)/ledger" + query(["limit": limit.map(String.init), "cursor": cursor]),
                                          key: readKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(LedgerDTO.self, from: response, sourceLocation: sourceLocation)
    }

    /// Every ledger entry of a member, newest first, following the cursors.
    func fullLedger(_ memberId: String, pageSize: Int = 50, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [LedgerEntryDTO] {
        var entries: [LedgerEntryDTO] = []
        var cursor: String?
        repeat {
            let page = try await ledgerPage(memberId, limit: pageSize, cursor: cursor, sourceLocation: sourceLocation)
            entries += page.entries
            cursor = page.nextCursor
        } while cursor != nil
        return entries
    }

    func boardResponse(period: String? = nil, at: String? = nil, limit: Int? = nil, offset: Int? = nil,
                       team: String? = nil, region: String? = nil, campaign: String? = nil) async throws -> TestResponse {
        let parameters = query(["period": period, "at": at, "limit": limit.map(String.init), "offset": offset.map(String.init),
                                "team": team.map(Self.escaped), "region": region.map(Self.escaped), "campaign": campaign])
        return try await app.send(.get, "\(path)/leaderboards/members" + parameters, key: readKey)
    }

    func board(period: String? = nil, at: String? = nil, limit: Int? = nil, offset: Int? = nil, team: String? = nil, region: String? = nil,
               campaign: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> BoardDTO {
        let response = try await boardResponse(period: period, at: at, limit: limit, offset: offset, team: team, region: region, campaign: campaign)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(BoardDTO.self, from: response, sourceLocation: sourceLocation)
    }

    /// Waits until `/readyz` reports the leaderboards rebuilt, then polls the board until it answers 200
    /// (503 while the projection is rebuilt; a page cached before Redis lost it may answer at once), for up to `timeout`.
    func boardWhenReady(period: String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation) async throws -> BoardDTO {
        let deadline = ContinuousClock.now + timeout
        while try await text(app.send(.get, "/readyz", key: nil)).contains("\"leaderboards\":\"rebuilding\"") {
            guard ContinuousClock.now < deadline else {
                Issue.record("the leaderboards were not rebuilt within \(timeout)", sourceLocation: sourceLocation)
                throw TestFailure("leaderboards not rebuilt in time")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        while true {
            let response = try await boardResponse(period: period, limit: 100)
            if response.status == .ok { return try decode(BoardDTO.self, from: response, sourceLocation: sourceLocation) }
            #expect(response.status == .serviceUnavailable, "while rebuilding the board may only answer 503: \(text(response))",
                    sourceLocation: sourceLocation)
            if response.status == .serviceUnavailable {
                let error = try decode(ErrorDTO.self, from: response, sourceLocation: sourceLocation).error
                #expect(error.code == "dependency_unavailable", sourceLocation: sourceLocation)
            }
            guard ContinuousClock.now < deadline else {
                Issue.record("the \(period) board did not come back within \(timeout): \(text(response))", sourceLocation: sourceLocation)
                throw TestFailure("leaderboard not rebuilt in time")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A query value percent-encoded (team names hold spaces, `&` and the like).
    static func escaped(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
    }

    private func query(_ parameters: KeyValuePairs<String, String?>) -> String {
        let present = parameters.compactMap { name, value in value.map { "\(name)=\($0)" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Request bodies

struct ProgramInput: Encodable, Sendable {
    var id: String
    var name: String
    var timezone: String
}

struct KeyInput: Encodable, Sendable {
    var role: String
    var label: String?
}

struct MemberInput: Encodable, Sendable {
    var displayName: String?
    var team: String?
    var region: String?
    var enrolled: Bool?
    var audience: [String: Int]?
    var visibility: String?
}

struct EventInput: Encodable, Sendable, Equatable {
    var id: String
    var memberId: String
    var action: String
    var network: String?
    var contentId: String?
    var occurredAt: String?
    var tags: [String]?

    init(id: String, memberId: String, action: String, network: String? = nil, contentId: String? = nil,
         occurredAt: String? = Timestamp.rfc3339(Timestamp.now()), tags: [String]? = nil) {
        self.id = id
        self.memberId = memberId
        self.action = action
        self.network = network
        self.contentId = contentId
        self.occurredAt = occurredAt
        self.tags = tags
    }
}

struct BatchInput: Encodable, Sendable {
    var events: [EventInput]
}

func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

// MARK: - Response bodies, with the exact JSON types of the contract

struct ProgramDTO: Decodable, Equatable {
    var id: String
    var name: String
    var timezone: String
    var createdAt: String
    var backfillDays: Int
    var clockSkewMinutes: Int
    var adminKey: String?
}

struct KeyDTO: Decodable, Equatable {
    var id: String
    var role: String
    var label: String?
    var key: String?
    var createdAt: String?
    var lastUsedAt: String?
    var revokedAt: String?
}

struct KeyListDTO: Decodable, Equatable {
    var keys: [KeyDTO]
}

struct ErrorDTO: Decodable, Equatable {
    struct Body: Decodable, Equatable {
        var code: String
        var message: String
        var details: [Detail]
        var requestId: String
    }

    struct Detail: Decodable, Equatable {
        var field: String
        var problem: String
    }

    var error: Body
}

struct PointsDTO: Decodable, Equatable {
    var lifetime: Int64
    var week: Int64
    var month: Int64
}

struct RanksDTO: Decodable, Equatable {
    var week: Int?
    var month: Int?
    var all: Int?
}

struct AwardLineDTO: Decodable, Equatable {
    var rule: String
    var points: Int
    var factor: Double?

    init(rule: String, points: Int, factor: Double? = nil) {
        self.rule = rule
        self.points = points
        self.factor = factor
    }
}

struct MemberStandingDTO: Decodable, Equatable {
    var points: PointsDTO
    var ranks: RanksDTO
}

struct EventResultDTO: Decodable, Equatable {
    var eventId: String
    var outcome: String
    var status: String
    var points: Int
    var breakdown: [AwardLineDTO]
    var rulesVersion: Int
    var badgesAwarded: [AwardedBadgeDTO]
    var levelReached: LevelDTO.Next? = nil
    var member: MemberStandingDTO
}

/// A badge in an event's answer.
struct AwardedBadgeDTO: Decodable, Equatable {
    var badgeId: String
    var tier: String?
    var name: String
    var awardedAt: String
}

/// One line of a batch answer: an event result, or `{"eventId", "error"}`.
struct BatchItemDTO: Decodable, Equatable {
    var eventId: String?
    var outcome: String?
    var status: String?
    var points: Int?
    var breakdown: [AwardLineDTO]?
    var badgesAwarded: [AwardedBadgeDTO]?
    var member: MemberStandingDTO?
    var error: ErrorDTO.Body?
}

struct BatchDTO: Decodable, Equatable {
    var results: [BatchItemDTO]
}

/// A badge on a profile.
struct BadgeDTO: Decodable, Equatable {
    var badgeId: String
    var tier: String?
    var name: String
    var awardedAt: String
    var eventId: String?
    var period: String?
}

struct StreakDTO: Decodable, Equatable {
    var badgeId: String
    var current: Int
    var best: Int
    var lastUnit: String?
}

struct ProfileDTO: Decodable, Equatable {
    var memberId: String
    var displayName: String?
    var team: String?
    var region: String?
    var enrolled: Bool
    var visibility: String
    var audience: [String: Int]
    var points: PointsDTO
    var level: LevelDTO?
    var badges: [BadgeDTO]
    var streaks: [StreakDTO]
    var ranks: RanksDTO
}

struct LedgerEntryDTO: Decodable, Equatable {
    var id: String
    var eventId: String
    var action: String
    var points: Int
    var reason: String
    var rulesVersion: Int
    var breakdown: [AwardLineDTO]
    var occurredAt: String
    var recordedAt: String
}

struct LedgerDTO: Decodable, Equatable {
    var entries: [LedgerEntryDTO]
    var nextCursor: String?
}

struct PeriodDTO: Decodable, Equatable {
    var kind: String
    var key: String
    var start: String?
    var end: String?
}

struct BoardEntryDTO: Decodable, Equatable, CustomStringConvertible {
    var rank: Int
    var memberId: String?
    var displayName: String?
    var team: String?
    var points: Int64

    var description: String { "#\(rank) \(memberId ?? "nil") \(points)" }
}

struct BoardDTO: Decodable, Equatable {
    var period: PeriodDTO
    var total: Int
    var offset: Int
    var limit: Int
    var entries: [BoardEntryDTO]

    /// (rank, memberId, points) of each entry, for compact exact comparisons.
    var standings: [Standing] { entries.map { Standing($0.rank, $0.memberId, $0.points) } }
}

struct Standing: Equatable, CustomStringConvertible {
    var rank: Int
    var memberId: String?
    var points: Int64

    init(_ rank: Int, _ memberId: String?, _ points: Int64) {
        self.rank = rank
        self.memberId = memberId
        self.points = points
    }

    var description: String { "(\(rank), \(memberId ?? "nil"), \(points))" }
}

struct StatusDTO: Decodable, Equatable {
    var status: String
    var postgres: String?
    var redis: String?
    var leaderboards: String?
    var projectionLagSeconds: Int?
}

// MARK: - Assertions

extension HTTPField.Name {
    static var requestId: Self { Self("X-Request-Id")! }
}

func text(_ response: TestResponse) -> String {
    response.body.getString(at: response.body.readerIndex, length: response.body.readableBytes) ?? "<not UTF-8>"
}

func decode<T: Decodable>(_ type: T.Type, from response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    do {
        return try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
    } catch {
        Issue.record("could not decode \(T.self) from \(response.status.code) \(text(response)): \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The body as a JSON object, to check which keys are present and which are explicitly null.
func jsonObject(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
    return try #require(object as? [String: Any], "not a JSON object: \(text(response))", sourceLocation: sourceLocation)
}

/// Records an issue (with the body) and throws when the status is not the expected one.
func requireStatus(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws {
    guard response.status == status else {
        Issue.record("expected \(status.code), got \(response.status.code): \(text(response))", sourceLocation: sourceLocation)
        throw TestFailure("unexpected status \(response.status.code)")
    }
}

/// Checks the contract's error shape: status, JSON content type, code, the fields at fault (in order), a message and the request id.
@discardableResult
func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, code: String, fields: [String]? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> ErrorDTO.Body {
    try requireStatus(response, status, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    let error = try decode(ErrorDTO.self, from: response, sourceLocation: sourceLocation).error
    #expect(error.code == code, "\(text(response))", sourceLocation: sourceLocation)
    if let fields {
        #expect(error.details.map(\.field) == fields, "\(text(response))", sourceLocation: sourceLocation)
    }
    #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    #expect(!error.requestId.isEmpty, sourceLocation: sourceLocation)
    #expect(response.headers[.requestId] == error.requestId, sourceLocation: sourceLocation)
    return error
}

// MARK: - Time

/// Timestamps written independently of Rally's own RFC 3339 code.
enum Timestamp {
    /// Now, to the whole second (what the formatter writes).
    static func now() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    /// `2026-11-20T08:14:00Z`, or with the given offset (`+05:30`).
    static func rfc3339(_ date: Date, offsetSeconds: Int = 0) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(secondsFromGMT: offsetSeconds)!
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func date(_ text: String) -> Date {
        guard let date = parse(text) else { preconditionFailure("bad test timestamp \(text)") }
        return date
    }

    /// `+01:00` for the zone's offset at `date`.
    static func offset(of zone: TimeZone, at date: Date) -> String {
        let seconds = zone.secondsFromGMT(for: date)
        let sign = seconds < 0 ? "-" : "+"
        return sign + String(format: "%02d:%02d", abs(seconds) / 3600, abs(seconds) / 60 % 60)
    }

    /// The local calendar date of `date` in `zone`, as `YYYY-MM-DD`.
    static func localDate(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// The ISO week (`2026-W47`) containing `date` in `zone`.
    static func isoWeekKey(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
        return String(format: "%04d-W%02d", parts.yearForWeekOfYear!, parts.weekOfYear!)
    }
}

/// The default points of the core actions, as the contract states them.
enum DefaultPoints {
    static let post = 25
    static let share = 10
    static let comment = 5
    static let like = 1

    static func of(_ action: String) -> Int {
        ["post": post, "share": share, "comment": comment, "like": like][action]!
    }
}
