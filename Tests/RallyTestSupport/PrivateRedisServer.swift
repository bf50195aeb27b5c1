import Foundation
import Logging
import RallyStorage
import Redis
import Testing

/// A Redis server of one test's own, for what acts on a whole server (`CLIENT PAUSE`) and would otherwise hold every
/// other test's commands: `redis-server` (installed by `ops/test`) on a free loopback port, nothing saved, stopped
/// afterwards.
package enum PrivateRedisServer {
    /// Runs `body` with the URL of a new server (database 0).
    package static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        let port = try freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: try executable())
        server.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        let url = "redis://127.0.0.1:\(port)/0"
        let outcome = await Result(catching: {
            try await waitUntilAnswering(url)
            return try await body(url)
        })
        // SIGKILL: the server inherits the test process's blocked signals, SIGTERM among them (it outlived `terminate()`).
        // It keeps nothing anyway.
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        return try outcome.get()
    }

    private static func executable() throws -> String {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/redis-server" }
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "redis-server is not installed (ops/test installs it)")
    }

    /// A port nothing listens on now: the kernel's choice for a socket bound to port 0.
    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socket >= 0, "socket() failed")
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        try #require(bound, "could not find a free port")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func waitUntilAnswering(_ url: String) async throws {
        var logger = Logger(label: "private-redis")
        logger.logLevel = .critical
        let pool = RedisPool(configuration: try RedisConfiguration(url: url, maximumConnections: 1), logger: logger)
        let answered = try await eventually(within: .seconds(10), poll: .milliseconds(20)) {
            (try? await pool.send(["PING"]))?.string == "PONG"
        }
        await pool.shutdown()
        try #require(answered, "the private redis-server did not answer")
    }
}
