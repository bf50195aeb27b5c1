import Foundation
import Logging
import RallyLedger
import Testing
@testable import RallyServer

/// `rally serve` and `rally migrate` read their configuration from RALLY_* variables.
@Suite struct AppConfigurationTests {
    static let minimal = ["RALLY_DATABASE_URL": "postgresql://rally@127.0.0.1:5432/rally", "RALLY_REDIS_URL": "redis://127.0.0.1:6379/0"]

    @Test func defaultsMatchTheREADME() throws {
        let configuration = try AppConfiguration(environment: Self.minimal)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.operatorToken == nil)
        #expect(configuration.logLevel == .info)
        #expect(configuration.migrationsDirectory == "Migrations")
        #expect(configuration.postgresConnections == 8)
        #expect(configuration.redisConnections == 8)
        #expect(configuration.writerLanes == 2)
        #expect(configuration.redisNamespace == "rally")
        #expect(configuration.backgroundInterval == .seconds(1))
        #expect(configuration.webhookFirstRetryDelay == .seconds(10))
        #expect(!configuration.webhookAllowPrivate)
        #expect(configuration.analyticsConnections == 2)
        #expect(configuration.metricsRefreshInterval == .seconds(30))
        #expect(configuration.analyticsPreparationInterval == .seconds(300))
        #expect(configuration.rateLimits == RateLimits(perSecond: [.ingest: 1000, .read: 200, .admin: 20]))
        #expect(configuration.rateLimits.keyMaximum == 100_000)
        #expect(configuration.secretKey == nil && configuration.previousSecretKeys.isEmpty)
        #expect(configuration.drainDelay == .zero)
        #expect(configuration.secretKeyFile == FileManager.default.currentDirectoryPath + "/.local/secret-key")
    }

    @Test func everyVariableIsRead() throws {
        let configuration = try AppConfiguration(environment: Self.minimal.merging([
            "RALLY_HTTP_HOST": "0.0.0.0", "RALLY_HTTP_PORT": "9090", "RALLY_OPERATOR_TOKEN": "secret", "RALLY_LOG_LEVEL": "DEBUG",
            "RALLY_MIGRATIONS_DIR": "/srv/rally/Migrations", "RALLY_POSTGRES_POOL_SIZE": "16", "RALLY_REDIS_POOL_SIZE": "4",
            "RALLY_WRITER_LANES": "3", "RALLY_REDIS_NAMESPACE": "staging", "RALLY_BACKGROUND_INTERVAL_MS": "250",
            "RALLY_WEBHOOK_RETRY_MS": "30000", "RALLY_ANALYTICS_POOL_SIZE": "3", "RALLY_METRICS_REFRESH_MS": "5000",
            "RALLY_ANALYTICS_PREPARE_MS": "0", "RALLY_RATE_LIMITS": "ingest=0,admin=5", "RALLY_IDLE_TIMEOUT_S": "12", "RALLY_DRAIN_SECONDS": "6",
            "RALLY_WEBHOOK_ALLOW_PRIVATE": "1", "RALLY_KEY_RATE_LIMIT_MAX": "7000", "RALLY_DATA_DIR": "/var/lib/rally",
            "RALLY_SECRET_KEY": "1DaB61tDR3gDgixlxR1bkyNSY4hvYuKszmsuinZs8AI=",
            "RALLY_PREVIOUS_SECRET_KEYS": "4Vx0fHcOEYnfrbuY+G24sx8bDwFwiKhpvHvU6rrmKUk=, 1DaB61tDR3gDgixlxR1bkyNSY4hvYuKszmsuinZs8AI=",
        ]) { $1 })
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9090)
        #expect(configuration.operatorToken == "secret")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.migrationsDirectory == "/srv/rally/Migrations")
        #expect(configuration.postgresConnections == 16)
        #expect(configuration.redisConnections == 4)
        #expect(configuration.analyticsConnections == 3)
        #expect(configuration.metricsRefreshInterval == .seconds(5))
        #expect(configuration.writerLanes == 3)
        #expect(configuration.redisNamespace == "staging")
        #expect(configuration.backgroundInterval == .milliseconds(250))
        #expect(configuration.webhookFirstRetryDelay == .seconds(30))
        #expect(configuration.analyticsPreparationInterval == nil)
        #expect(configuration.rateLimits.perSecond == [.read: 200, .admin: 5])
        #expect(configuration.idleTimeout == .seconds(12))
        #expect(configuration.drainDelay == .seconds(6))
        #expect(configuration.webhookAllowPrivate)
        #expect(configuration.rateLimits.keyMaximum == 7000)
        #expect(configuration.secretKeyFile == "/var/lib/rally/secret-key")
        let ring = try configuration.secretKeyring(logger: Logger(label: "test"))
        #expect(ring.current.id == SecretKeyring.Key(base64: "1DaB61tDR3gDgixlxR1bkyNSY4hvYuKszmsuinZs8AI=")?.id)
        #expect(ring.previous.map(\.id) == [SecretKeyring.Key(base64: "4Vx0fHcOEYnfrbuY+G24sx8bDwFwiKhpvHvU6rrmKUk=")?.id], "the current key is not a previous one")
    }

    /// Without RALLY_SECRET_KEY, the key is made once in the data folder, readable by its owner alone, and read again.
    @Test func withoutASecretKeyOneIsMadeInTheDataFolderAndKept() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rally-data-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = try AppConfiguration(environment: Self.minimal.merging(["RALLY_DATA_DIR": folder.path]) { $1 })
        let made = try configuration.secretKeyring(logger: Logger(label: "test"))
        let again = try configuration.secretKeyring(logger: Logger(label: "test"))
        #expect(made.current.id == again.current.id)
        let attributes = try FileManager.default.attributesOfItem(atPath: configuration.secretKeyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["secret-key"], "no draft is left beside it")
        // Another folder, another key; a file that holds no key is refused, naming it.
        configuration.dataDirectory = folder.appendingPathComponent("other").path
        #expect(try configuration.secretKeyring(logger: Logger(label: "test")).current.id != made.current.id)
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: configuration.secretKeyFile))
        #expect { try configuration.secretKeyring(logger: Logger(label: "test")) } throws: { error in
            (error as? ConfigurationError)?.description.contains(configuration.secretKeyFile) == true
        }
    }

    @Test(arguments: [
        ("RALLY_HTTP_PORT", "eighty"), ("RALLY_HTTP_PORT", "70000"), ("RALLY_LOG_LEVEL", "loud"),
        ("RALLY_POSTGRES_POOL_SIZE", "0"), ("RALLY_REDIS_POOL_SIZE", "-1"), ("RALLY_WRITER_LANES", "65"),
        ("RALLY_BACKGROUND_INTERVAL_MS", "5"), ("RALLY_WEBHOOK_RETRY_MS", "soon"), ("RALLY_ANALYTICS_POOL_SIZE", "0"),
        ("RALLY_METRICS_REFRESH_MS", "50"), ("RALLY_ANALYTICS_PREPARE_MS", "500"), ("RALLY_RATE_LIMITS", "read=fast"), ("RALLY_IDLE_TIMEOUT_S", "0"), ("RALLY_DRAIN_SECONDS", "301"),
        ("RALLY_WEBHOOK_ALLOW_PRIVATE", "yes"), ("RALLY_KEY_RATE_LIMIT_MAX", "0"), ("RALLY_SECRET_KEY", "c2hvcnQ="),
        ("RALLY_PREVIOUS_SECRET_KEYS", "1DaB61tDR3gDgixlxR1bkyNSY4hvYuKszmsuinZs8AI=,nope"),
    ])
    func malformedValuesAreRefusedNamingTheVariable(variable: String, value: String) {
        #expect {
            try AppConfiguration(environment: Self.minimal.merging([variable: value]) { $1 })
        } throws: { error in
            (error as? ConfigurationError)?.description.contains(variable) == true
        }
    }

    @Test func migratingNeedsOnlyTheDatabaseAndServingNeedsRedisToo() throws {
        #expect(throws: ConfigurationError.self) { try AppConfiguration(environment: [:]) }
        let migrateOnly = try AppConfiguration(environment: ["RALLY_DATABASE_URL": "postgresql://rally@127.0.0.1/rally"])
        #expect(throws: ConfigurationError.self) { try migrateOnly.requireRedis() }
        try AppConfiguration(environment: Self.minimal).requireRedis()
    }
}
