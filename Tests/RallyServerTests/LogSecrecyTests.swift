import Foundation
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Every line logged, with its metadata, kept in memory.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// A logger at `trace` whose lines land here.
    func logger() -> Logger {
        var logger = Logger(label: "captured") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
                 function: String, line: UInt) {
            let all = metadata.merging(extra ?? [:]) { $1 }
            log.append("\(level) \(message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }
}

/// What the log may and may not hold: never a key, a token or a webhook secret, even at `trace`; a 500 names its request
/// id, which the log has beside the failure.
@Suite("Trust: logs")
struct LogSecrecyTests {
    @Test func keysTokensAndSecretsNeverReachTheLog() async throws {
        let log = CapturedLog()
        try await TestApp.run(logger: log.logger()) { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "post"))
            let hook = #"{"url": "http://127.0.0.1:9/hook", "events": ["badge.awarded"], "secret": "whsec-do-not-log-me"}"#
            try requireStatus(try await app.send(.put, "\(program.path)/webhooks/crm", key: program.adminKey, body: hook), .created)
            try expectError(try await app.send(.get, program.path, key: "rk_guessed-key-do-not-log"), .unauthorized, code: "unauthorized")
            try requireStatus(try await app.send(.get, "\(program.path)/keys", key: program.adminKey), .ok)
            // A viewer token travels in page URLs; a console session in a cookie.
            let token = try await PageTests.token(program, memberId: "ana")
            try requireStatus(try await PageTests.page(program, token: token), .ok)
            try requireStatus(try await PageTests.page(program, "/p/\(program.id)/live", token: "v1.forged.token-do-not-log"), .unauthorized)
            var browser = ConsoleTests.Browser(app: app)
            try requireStatus(try await browser.signIn(program.adminKey), .seeOther)
            let session = try #require(browser.cookies["rally_console"])
            try requireStatus(try await browser.send(.get, "/console/\(program.id)/rules"), .ok)
            let text = log.text
            #expect(text.contains(program.id), "the log holds the requests")
            #expect(text.contains("/p/\(program.id)"), "the log holds the page's path")
            for secret in [app.operatorToken, program.adminKey, program.ingestKey, program.readKey, "whsec-do-not-log-me", "rk_guessed-key-do-not-log",
                           token, "v1.forged.token-do-not-log", session] {
                #expect(!text.contains(secret), "the log holds a secret")
            }
        }
    }

    @Test func aServerErrorCarriesARequestIdTheLogHas() async throws {
        let log = CapturedLog()
        try await TestApp.run(logger: log.logger()) { app in
            let program = try await app.createProgram()
            // A badge document no version of Rally wrote: reading the program's badges fails inside.
            try await app.database.execute("""
                INSERT INTO badges (program_id, badge_id, document, retro_cursor) VALUES ($1, 'broken', '{"criteria": 1}', NULL)
                """, [program.id])
            let response = try await app.send(.get, "\(program.path)/badges", key: program.readKey)
            let error = try expectError(response, .internalServerError, code: "internal_error")
            #expect(response.headers[.requestId] == error.requestId)
            #expect(log.text.split(separator: "\n").contains { $0.hasPrefix("error") && $0.contains(error.requestId) })
        }
    }

    /// `/readyz` is anyone's to read: an unreachable dependency is named with a stable word, what failed stays in the log.
    /// Redis unreachable leaves the instance ready to accept events, its projection stale.
    @Test func readinessNamesAnUnreachableDependencyAndLogsWhy() async throws {
        let log = CapturedLog()
        try await TestApp.run(redisURL: "redis://127.0.0.1:1/0", logger: log.logger()) { app in
            let response = try await app.send(.get, "/readyz", key: nil)
            try requireStatus(response, .ok)
            var status = try decode(StatusDTO.self, from: response)
            #expect(status.projectionLagSeconds ?? -1 >= 0)
            status.projectionLagSeconds = nil // how long the start-up's attempt has been failing: whatever the machine's pace
            #expect(status == StatusDTO(status: "ready", postgres: "ok", redis: "unreachable", leaderboards: "unavailable", projection: "stale"))
            #expect(!text(response).lowercased().contains("refused") && !text(response).contains("127.0.0.1"), "\(text(response))")
            let requestId = try #require(response.headers[.requestId])
            #expect(log.text.split(separator: "\n").contains { $0.contains(requestId) && $0.contains("redis: ") })

            // And events are accepted meanwhile: committed to PostgreSQL, the boards to catch up.
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            try requireStatus(try await program.postEvent(EventInput(id: "e1", memberId: "ana", action: "share")), .created)
            let stale = try decode(StatusDTO.self, from: try await app.send(.get, "/readyz", key: nil))
            #expect(stale.projection == "stale" && stale.redis == "unreachable")
        }
    }
}
