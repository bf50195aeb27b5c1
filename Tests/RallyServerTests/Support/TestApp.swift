import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import RallyCore
import RallyLedger
import RallyServer
import RallyStorage
import RallyTestSupport
import Redis
import Testing

/// One Rally application built for one test: its own Redis namespace, operator token and metrics registry.
struct TestApp: Sendable {
    let client: any TestClientProtocol
    /// Every route the app serves, with its access rule.
    let routes: RouteTable
    let operatorToken: String
    let namespace: String
    let redisURL: String
    /// The app's PostgreSQL database, for what a test reads or writes directly.
    let database: TestDatabase

    /// Builds the app against the real PostgreSQL and Redis, runs `body` with a router client, then drops the namespace.
    /// The app has a database of its own unless the test passes one (two apps in turn on the same data): a table of cases
    /// runs in one app, a program per case, since every app costs a database copied and dropped. Its caches, rate
    /// limits and schedules go by `clock` (a `ManualClock` the test moves, or the continuous one). Webhooks may reach the
    /// receivers tests start on 127.0.0.1 unless `webhookAllowPrivate` is false. Webhook secrets are sealed with
    /// `secretKeys` (the first seals). `namespace`: another app's Redis namespace, to run as a second instance beside it.
    static func run<T>(_ setup: TestingSetup = .router, database: TestDatabase? = nil, clock: any ServiceClock = ContinuousClock(),
                       resolver: any NameResolver = SystemResolver(), webhookAllowPrivate: Bool = true,
                       secretKeys: [SecretKeyring.Key] = [TestApp.secretKey], retention: BoardRetention = .standard,
                       background: Duration = .seconds(1), metricsRefresh: Duration = .seconds(30), analyticsPreparation: Duration? = nil,
                       rateLimits: RateLimits = RateLimits(perSecond: [:]), pageStreamLimit: Int? = nil, redisURL: String? = nil,
                       namespace: String? = nil, logger: Logger = TestEnvironment.logger,
                       _ body: @Sendable (TestApp) async throws -> T) async throws -> T {
        guard let database else {
            return try await TestDatabase.withFresh { database in
                try await run(setup, database: database, clock: clock, resolver: resolver, webhookAllowPrivate: webhookAllowPrivate,
                              secretKeys: secretKeys, retention: retention, background: background, metricsRefresh: metricsRefresh,
                              analyticsPreparation: analyticsPreparation, rateLimits: rateLimits, pageStreamLimit: pageStreamLimit, redisURL: redisURL,
                              namespace: namespace, logger: logger, body)
            }
        }
        let redisURL = try redisURL ?? TestEnvironment.redisURL()
        var configuration = AppConfiguration(databaseURL: database.url, redisURL: redisURL)
        configuration.migrationsDirectory = TestDatabase.migrationsDirectory.path
        // A second instance on another's namespace leaves it to the first to delete.
        let owned = namespace == nil
        configuration.redisNamespace = namespace ?? "test-\(UUID().uuidString.lowercased())"
        let operatorToken = "op-\(UUID().uuidString)"
        configuration.operatorToken = operatorToken
        configuration.postgresConnections = 4
        configuration.redisConnections = 4
        configuration.logLevel = logger.logLevel
        configuration.boardRetention = retention
        configuration.backgroundInterval = background
        configuration.webhookFirstRetryDelay = .milliseconds(100)
        configuration.webhookAllowPrivate = webhookAllowPrivate
        configuration.secretKey = secretKeys.first
        configuration.previousSecretKeys = Array(secretKeys.dropFirst())
        configuration.metricsRefreshInterval = metricsRefresh
        configuration.analyticsPreparationInterval = analyticsPreparation
        // Tests send as fast as they can: no limit unless a test sets one.
        configuration.rateLimits = rateLimits
        configuration.pageStreamLimit = pageStreamLimit
        let namespace = configuration.redisNamespace
        let (app, routes, _) = try await buildService(configuration, clock: clock, resolver: resolver, registry: PrometheusCollectorRegistry(), logger: logger)
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await app.test(setup) { client in
                try await body(TestApp(client: client, routes: routes, operatorToken: operatorToken, namespace: namespace, redisURL: redisURL,
                                       database: database))
            })
        } catch {
            outcome = .failure(error)
        }
        if owned { _ = try? await RedisNamespace.delete(namespace, redisURL: redisURL) }
        return try outcome.get()
    }

    /// The key tests seal webhook secrets with, unless one says otherwise.
    static let secretKey = SecretKeyring.Key(base64: "1DaB61tDR3gDgixlxR1bkyNSY4hvYuKszmsuinZs8AI=")!

    /// Sends a request with an optional bearer key and a raw JSON body.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String?, body: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(method, uri, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// Sends raw bytes as a JSON body (invalid UTF-8 included).
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String?, bytes: [UInt8]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await execute(method, uri, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    /// Sends the request; an answer unlike what `/openapi.json` documents for it is an issue of the test that got it.
    private func execute(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        for problem in DocumentedAnswers.served.problems(method: method.rawValue, uri: uri, status: Int(response.status.code),
                                                         contentType: response.headers[.contentType], body: Array(buffer: response.body)) {
            Issue.record("an answer unlike the document: \(problem)")
        }
        return response
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
