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
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The domain: events, rules, scoring, periods, ranking. Pure Swift, no I/O.
        .target(name: "RallyCore"),

        // The domain's storage: ledger in PostgreSQL, leaderboards projected into Redis.
        .target(name: "RallyStore", dependencies: [
            "RallyCore", "Postgres", "Redis",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // HTTP: routes, auth, DTOs, error mapping, OpenAPI.
        .target(name: "RallyServer", dependencies: [
            "RallyCore", "RallyStore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("openapi.json")]),

        .executableTarget(name: "rally", dependencies: [
            "RallyServer", "RallyStore", "Postgres", "Redis",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),

        .testTarget(name: "RallyCoreTests", dependencies: ["RallyCore"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        .testTarget(name: "RedisTests", dependencies: ["Redis"]),
        .testTarget(name: "RallyStoreTests", dependencies: [
            "RallyStore", "RallyCore", "Postgres", "Redis",
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .testTarget(name: "RallyServerTests", dependencies: [
            "RallyServer", "RallyStore", "RallyCore", "Postgres",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
    ]
)
