import Foundation
import Hummingbird
import Logging
import Postgres
import Prometheus
import RallyAnalytics
import RallyLeaderboards
import RallyLedger
import RallyStorage
import Redis

/// The composition root: connects to PostgreSQL and Redis, applies migrations, wires stores into controllers.
public func buildApplication(_ configuration: AppConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws
    -> (application: some ApplicationProtocol, drain: Drain)
{
    let built = try await buildService(configuration, registry: registry, logger: logger)
    return (built.application, built.drain)
}

/// The application, the routes it serves, each with its access rule (what tests walk), and its drain (to run after it).
/// `clock` is what caches, rate limits and schedules go by (a test moves its own); `resolver` finds the addresses of
/// webhooks' hosts.
public func buildService(_ configuration: AppConfiguration, clock: any ServiceClock = ContinuousClock(), resolver: any NameResolver = SystemResolver(),
                         registry: PrometheusCollectorRegistry, logger: Logger) async throws
    -> (application: some ApplicationProtocol, routes: RouteTable, drain: Drain)
{
    try configuration.requireRedis()
    let secrets = try configuration.secretKeyring(logger: logger)
    let postgres = PostgresPool(
        configuration: PostgresConfiguration(connectionString: configuration.databaseURL, maximumConnections: configuration.postgresConnections),
        logger: logger)
    // Reports read a lot: their own few connections, so that a heavy one never holds a connection the writer needs, and
    // ten minutes for a statement (a large program's year counted for the first time takes tens of seconds).
    let analyticsPostgres = PostgresPool(
        configuration: PostgresConfiguration(connectionString: configuration.databaseURL, maximumConnections: configuration.analyticsConnections,
                                             statementTimeout: .seconds(600)),
        logger: logger)
    let replicaPostgres = configuration.databaseReplicaURL.map { url in
        PostgresPool(configuration: PostgresConfiguration(connectionString: url, maximumConnections: configuration.analyticsConnections,
                                                          statementTimeout: .seconds(600)),
                     logger: logger)
    }
    let redis = try makeRedisClient(url: configuration.redisURL, maximumConnections: configuration.redisConnections, logger: logger)
    do {
        let applied = try await PostgresMigrator(directory: URL(fileURLWithPath: configuration.migrationsDirectory), logger: logger).migrate(postgres)
        if !applied.isEmpty { logger.info("migrations applied", metadata: ["files": "\(applied)"]) }
    } catch {
        await postgres.shutdown()
        await analyticsPostgres.shutdown()
        await replicaPostgres?.shutdown()
        await redis.shutdown()
        throw error
    }

    let metrics = PrometheusMetricsFactory(registry: registry)
    // Passes over whole programs (analytics preparation, the gauges, period closes) run one at a time, each paced.
    let passes = BackgroundPasses()
    let keys = KeyStore(postgres: postgres, clock: clock)
    let programs = ProgramStore(postgres: postgres, keys: keys, clock: clock)
    let leaderboards = Leaderboards(redis: redis, postgres: postgres, keys: LeaderboardKeys(namespace: configuration.redisNamespace),
                                    retention: configuration.boardRetention, clock: clock)
    // One instance runs the scheduled jobs; it asks for the lease before anything is scheduled.
    let leadership = Leadership(postgres: postgres, logger: logger, metrics: metrics)
    await leadership.takeOrRenew()
    let writer = EventWriter(postgres: postgres, leaderboards: leaderboards, logger: logger, metrics: metrics,
                             lanes: configuration.writerLanes, clock: clock, leadership: leadership)
    // Reconciles the projection Redis kept, or rebuilds it; on failure the writer retries while serving.
    await writer.repairProjectionIfNeeded()
    let members = MemberStore(postgres: postgres, writer: writer, leaderboards: leaderboards)
    let badges = BadgeStore(postgres: postgres)
    let awarder = BadgeAwarder(postgres: postgres, programs: programs, logger: logger, metrics: metrics,
                               interval: configuration.backgroundInterval, clock: clock, passes: passes, leadership: leadership)
    let webhooks = WebhookStore(postgres: postgres, secrets: secrets, firstRetryDelay: configuration.webhookFirstRetryDelay)
    try await sealStoredSecrets(webhooks, logger: logger)
    let targets = WebhookTargets(allowPrivate: configuration.webhookAllowPrivate, resolver: resolver)
    let dispatcher = WebhookDispatcher(webhooks: webhooks, targets: targets, logger: logger, metrics: metrics, interval: configuration.backgroundInterval,
                                       clock: clock)
    let surveys = SurveyStore(postgres: postgres, activity: writer.activity)
    let reports = ReportDatabase(primary: analyticsPostgres, replica: replicaPostgres, maximumLag: configuration.replicaMaximumLag, clock: clock)
    let analytics = AnalyticsStore(database: reports, activity: writer.activity,
                                   preparationInterval: configuration.analyticsPreparationInterval ?? .seconds(300), clock: clock)
    let preparation = configuration.analyticsPreparationInterval.map {
        AnalyticsPreparation(analytics: analytics, program: programs.fresh, isLeader: { leadership.isLeader }, interval: $0, clock: clock,
                             passes: passes, logger: logger)
    }
    let flags = FlagStore(postgres: postgres)
    let gauges = ProgramGauges(analytics: analytics, isLeader: { leadership.isLeader }, flags: flags, registry: registry,
                               interval: configuration.metricsRefreshInterval, clock: clock, passes: passes, logger: logger)
    let pools = PoolMetrics(registry: registry, postgres: [("writer", postgres), ("analytics", analyticsPostgres)] + (replicaPostgres.map { [("replica", $0)] } ?? []),
                            redis: redis)
    let authorization = Authorization(keys: keys, programs: programs, operatorToken: configuration.operatorToken)

    let router = Router(context: RallyRequestContext.self)
    router.add(middleware: RequestIdMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: HTTPMetricsMiddleware(factory: metrics))
    router.add(middleware: ErrorMiddleware())
    var routes = RouteTable()
    let limiter = RateLimiter(limits: configuration.rateLimits, clock: clock, buckets: leaderboards, logger: logger)
    func mount(_ list: [Route], at prefix: String) { routes.mount(list, at: prefix, on: router, authorization: authorization, limiter: limiter) }
    let drain = Drain(delay: configuration.drainDelay, logger: logger)
    mount(OperationsController(postgres: postgres, leaderboards: leaderboards, writer: writer, registry: registry, pools: pools, drain: drain).routes,
          at: "")
    mount(ProgramController(programs: programs, keys: keys, keyRateLimitMaximum: configuration.rateLimits.keyMaximum).routes, at: "/v1/programs")
    let challenges = ChallengeStore(postgres: postgres, clock: clock)
    mount(MemberController(members: members, challenges: challenges).routes, at: "/v1/programs/:programId/members")
    mount(RulesController(programs: programs).routes, at: "/v1/programs/:programId/rules")
    let badgeController = BadgeController(badges: badges, programs: programs)
    mount(badgeController.routes, at: "/v1/programs/:programId/badges")
    mount(badgeController.awardRoutes, at: "/v1/programs/:programId/members")
    mount(WebhookController(webhooks: webhooks, targets: targets).routes, at: "/v1/programs/:programId/webhooks")
    mount(EventController(writer: writer).routes, at: "/v1/programs/:programId/events")
    mount(SurveyController(surveys: surveys).routes, at: "/v1/programs/:programId/surveys")
    let rewards = RewardStore(postgres: postgres)
    mount(RewardController(rewards: rewards).routes, at: "/v1/programs/:programId")
    mount(FlagController(flags: flags, writer: writer).routes, at: "/v1/programs/:programId")
    mount(ChallengeController(challenges: challenges, programs: programs).routes,
          at: "/v1/programs/:programId/challenges")
    mount(AnalyticsController(analytics: analytics).routes, at: "/v1/programs/:programId/analytics")
    mount(LeaderboardController(leaderboards: leaderboards).routes, at: "/v1/programs/:programId/leaderboards")
    mount(AuditController(audit: AuditLog(postgres: postgres)).routes, at: "/v1/programs/:programId/audit")
    let viewerTokens = ViewerTokens(postgres: postgres, keys: secrets, clock: clock)
    mount(ViewerTokenController(tokens: viewerTokens).routes, at: "/v1/programs/:programId/viewer-tokens")
    let live = LiveBoards(leaderboards: leaderboards, programs: programs, clock: clock, logger: logger, metrics: metrics)
    let pages = try PageController(programs: programs, leaderboards: leaderboards, members: members, challenges: challenges, tokens: viewerTokens,
                                   live: live,
                                   streamLimit: configuration.pageStreamLimit)
    pages.mount(on: router)
    ConsoleController(programs: programs, keys: keys, members: members, audit: AuditLog(postgres: postgres), analytics: analytics,
                      webhooks: webhooks, badgesStore: badges, rewards: rewards, challenges: challenges, flags: flags, writer: writer,
                      targets: targets,
                      sessions: ConsoleSessions(postgres: postgres, keys: keys, keyring: secrets),
                      keyRateLimitMaximum: configuration.rateLimits.keyMaximum, library: pages.library)
        .mount(on: router)
    routes.completeRouting(on: router)

    // Services stop in reverse order after the server: the writer drains its queue before the pools close.
    let application = Application(
        router: router,
        // A client that sends nothing for this long, mid-request or between requests, is disconnected; headers are
        // bounded by the HTTP decoder (80 KB), bodies by the context's `maxUploadSize`.
        server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeout.components.seconds)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rally"),
        services: [postgres, analyticsPostgres] + (replicaPostgres.map { [$0] } ?? []) + [redis, leadership, writer, awarder, dispatcher, gauges, live]
            + (preparation.map { [$0] } ?? []),
        logger: logger)
    return (application, routes, drain)
}

/// Seals the webhook secrets a version before sealing stored plain, and says which cannot be opened with the keys given.
private func sealStoredSecrets(_ webhooks: WebhookStore, logger: Logger) async throws {
    let sealing = try await webhooks.sealStoredSecrets(rotating: false)
    if sealing.sealed > 0 { logger.notice("webhook secrets stored plain are now sealed", metadata: ["count": "\(sealing.sealed)"]) }
    for (keyId, count) in try await webhooks.secretsUnderUnknownKeys().sorted(by: { $0.key < $1.key }) {
        logger.error("""
            webhook secrets are sealed under a key this instance does not hold: their deliveries fail until RALLY_SECRET_KEY \
            or RALLY_PREVIOUS_SECRET_KEYS holds it
            """, metadata: ["key": "\(keyId)", "count": "\(count)"])
    }
}
