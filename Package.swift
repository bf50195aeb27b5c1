// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "rally",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rally", targets: ["rally"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
    ],
    targets: [
        // C shims over the system libraries.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),

        // Generic clients: pools, queries, replies. No domain words.
        .target(name: "Postgres", dependencies: [
            "CLibPQ",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Redis", dependencies: [
            "CHiredis",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The domain: events, rules, scoring, periods, ranking. Pure Swift, no I/O.
        .target(name: "RallyCore"),

        // The domain's storage, in rooms whose dependencies run one way (docs/architecture.md draws them):
        // the shared vocabulary of every room; no table written, no Redis command sent.
        .target(name: "RallyStorage", dependencies: [
            "RallyCore", "Postgres", "Redis",
        ]),
        // Leaderboards: Redis keys and scripts, board reads and their caches, the projection, rebuild, resync, retention.
        // The one room that sends Redis commands; it reads PostgreSQL and writes no table.
        .target(name: "RallyLeaderboards", dependencies: [
            "RallyCore", "RallyStorage", "Postgres", "Redis",
        ]),
        // The ledger: the writer's lanes and group commit, retraction, the directory stores (programs, keys, members,
        // badges, webhooks, surveys), the background awarders and the webhook outbox. The one room that writes the ledger.
        .target(name: "RallyLedger", dependencies: [
            "RallyCore", "RallyStorage", "RallyLeaderboards", "Postgres",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Analytics: participation, satisfaction, reach and the gauges, read from PostgreSQL and prepared in the background.
        .target(name: "RallyAnalytics", dependencies: [
            "RallyCore", "RallyStorage", "Postgres",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // HTTP: routes, auth, DTOs, error mapping, OpenAPI.
        .target(name: "RallyServer", dependencies: [
            "RallyCore", "RallyStorage", "RallyLeaderboards", "RallyLedger", "RallyAnalytics",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("openapi.json")]),

        .executableTarget(name: "rally", dependencies: [
            "RallyServer", "RallyStorage", "RallyLeaderboards", "RallyLedger", "RallyAnalytics", "Postgres", "Redis",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        .testTarget(name: "RallyCoreTests", dependencies: ["RallyCore"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        .testTarget(name: "RedisTests", dependencies: [
            "Redis",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        // The stores on the real servers, with a writer in the background, for the storage rooms' tests.
        .target(name: "RallyTestSupport", dependencies: [
            "RallyCore", "RallyStorage", "RallyLeaderboards", "RallyLedger", "Postgres", "Redis",
            .product(name: "Metrics", package: "swift-metrics"),
        ], path: "Tests/RallyTestSupport"),
        .testTarget(name: "RallyStorageTests", dependencies: ["RallyStorage", "RallyCore", "Postgres", "Redis"]),
        .testTarget(name: "RallyLeaderboardsTests", dependencies: [
            "RallyLeaderboards", "RallyStorage", "RallyLedger", "RallyTestSupport", "RallyCore", "Postgres", "Redis",
        ]),
        .testTarget(name: "RallyLedgerTests", dependencies: [
            "RallyLedger", "RallyLeaderboards", "RallyStorage", "RallyTestSupport", "RallyCore", "Postgres", "Redis",
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .testTarget(name: "RallyAnalyticsTests", dependencies: ["RallyAnalytics", "RallyStorage", "RallyCore", "RallyTestSupport"]),
        .testTarget(name: "RallyServerTests", dependencies: [
            "RallyServer", "RallyStorage", "RallyLeaderboards", "RallyLedger", "RallyAnalytics", "RallyCore", "RallyTestSupport", "Postgres",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
    ]
)
