import NIOCore
import Redis
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin

#endif

@Suite("RedisPool behaviour against RALLY_TEST_REDIS_URL")
struct RedisPoolTests {
    @Test("100 concurrent sends share at most 4 connections")
    func concurrency() async throws {
        let counter = TestRedis.uniquePrefix() + "counter"
        try await TestRedis.withPool(try TestRedis.configuration(maximumConnections: 4)) { pool async throws in
            let results = try await withThrowingTaskGroup(of: (client: Int, count: Int).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            let client = try await connection.send(["CLIENT", "ID"]).int ?? -1
                            let count = try await connection.send(["INCR", counter]).int ?? -1
                            return (client, count)
                        }
                    }
                }
                var all: [(client: Int, count: Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 100)
            #expect(Set(results.map(\.count)) == Set(1...100))
            let clients = Set(results.map(\.client))
            #expect(!clients.contains(-1))
            #expect((1...4).contains(clients.count))
            #expect(try await pool.send(["GET", counter]).int == 100)
            try await pool.send(["DEL", counter])
        }
    }

    @Test("short exchanges of many tasks at once share a connection per event loop, none waits, each gets its own replies")
    func sharedConnections() async throws {
        let prefix = TestRedis.uniquePrefix()
        try await TestRedis.withPool(try TestRedis.configuration(maximumConnections: 1)) { pool async throws in
            let answers = try await withThrowingTaskGroup(of: (Int, [RedisReply]).self) { group in
                for n in 0..<200 {
                    group.addTask { (n, try await pool.pipeline([["SET", prefix + "\(n)", "v\(n)"], ["GET", prefix + "\(n)"], ["CLIENT", "ID"]])) }
                }
                var all: [(Int, [RedisReply])] = []
                for try await answer in group { all.append(answer) }
                return all
            }
            #expect(answers.count == 200)
            for (n, replies) in answers { #expect(replies.prefix(2) == [.status("OK"), .bulk("v\(n)")]) }
            let clients = Set(answers.map { $0.1[2].int ?? -1 })
            #expect(!clients.contains(-1) && (1...System.coreCount).contains(clients.count), "one connection per event loop at most")
            #expect(pool.statistics.waits == 0, "no exchange waited for the pool's single connection")
            // A long exchange takes a connection of the pool's own.
            let long = try await pool.pipeline(Array(repeating: ["CLIENT", "ID"], count: 5))
            #expect(long.count == 5 && !clients.contains(long[0].int ?? -1))
            #expect(pool.statistics.open == clients.count + 1)
            try await pool.send(["UNLINK"] + (0..<200).map { prefix + "\($0)" })
        }
    }

    @Test("after the server closes an idle pooled connection the next call reconnects and succeeds")
    func reconnectAfterKill() async throws {
        let configuration = try TestRedis.configuration(maximumConnections: 1)
        try await TestRedis.withPool(configuration) { killer async throws in
            try await TestRedis.withPool(configuration) { pool async throws in
                let first = try #require(try await pool.send(["CLIENT", "ID"]).int)
                #expect(try await killer.send(["CLIENT", "KILL", "ID", String(first)]) == .integer(1))
                // The server's close reaches the idle connection's event loop a moment later (a command written before it
                // arrives fails like any command in flight); once it has, the pool replaces the connection unasked.
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await pool.send(["PING"]) == .status("PONG"))
                let second = try #require(try await pool.send(["CLIENT", "ID"]).int)
                #expect(second != first)
            }
        }
    }

    @Test("a connection that breaks during a command fails it with .connection; the next call reconnects")
    func brokenDuringUse() async throws {
        try await TestRedis.withPool(try TestRedis.configuration(maximumConnections: 1)) { pool async throws in
            let error = await #expect(throws: RedisError.self) {
                try await pool.withConnection { connection in
                    let own = try await connection.send(["CLIENT", "ID"]).int ?? -1
                    try await connection.send(["CLIENT", "KILL", "ID", String(own), "SKIPME", "no"])
                    return try await connection.send(["PING"])
                }
            }
            #expect(error?.kind == .connection)
            #expect(try await pool.send(["PING"]) == .status("PONG"))
        }
    }

    @Test("a command timeout throws .timeout and the next call reconnects")
    func commandTimeout() async throws {
        var configuration = try TestRedis.configuration(maximumConnections: 1)
        configuration.commandTimeout = .milliseconds(200)
        let key = TestRedis.uniquePrefix() + "never-filled"
        try await TestRedis.withPool(configuration) { pool async throws in
            // On the pool's one lent connection (a short exchange sent alone may go to its event loop's shared one).
            let first = try #require(try await pool.withConnection { try await $0.send(["CLIENT", "ID"]).int })
            // BLPOP would block for 5 s; the 200 ms command timeout ends it as .timeout.
            let error = await #expect(throws: RedisError.self) { try await pool.withConnection { try await $0.send(["BLPOP", key, "5"]) } }
            #expect(error?.kind == .timeout)
            #expect(try await pool.send(["PING"]) == .status("PONG"))
            #expect(try await pool.withConnection { try await $0.send(["CLIENT", "ID"]).int } != first)
        }
    }

    @Test("connecting to a port with nothing listening throws .connection")
    func nothingListening() async throws {
        let port = try unusedPort()
        let configuration = RedisConfiguration(host: "127.0.0.1", port: port, maximumConnections: 1)
        try await TestRedis.withPool(configuration) { pool async throws in
            for _ in 0..<2 {  // the failed connect gives its slot back: the second call does not hang
                let error = await #expect(throws: RedisError.self) { try await pool.send(["PING"]) }
                #expect(error?.kind == .connection)
                #expect(error?.message.contains("127.0.0.1:\(port)") == true)
            }
        }
    }

    @Test("database selection: a key written in db N is not visible in another db")
    func databaseSelection() async throws {
        let base = try TestRedis.configuration(maximumConnections: 1)
        var other = base
        other.database = base.database < 15 ? base.database + 1 : base.database - 1
        let key = TestRedis.uniquePrefix() + "db"
        try await TestRedis.withPool(base) { pool async throws in
            try await TestRedis.withPool(other) { otherPool async throws in
                try await pool.send(["SET", key, "here"])
                #expect(try await pool.send(["GET", key]) == .bulk("here"))
                #expect(try await otherPool.send(["GET", key]) == .null)
                #expect(try await otherPool.send(["EXISTS", key]) == .integer(0))
                let info = try await pool.send(["CLIENT", "INFO"]).string ?? ""
                #expect(info.contains(" db=\(base.database) "))
                try await pool.send(["DEL", key])
            }
        }
        var invalid = base
        invalid.database = 9999
        try await TestRedis.withPool(invalid) { pool async throws in
            let error = await #expect(throws: RedisError.self) { try await pool.send(["PING"]) }
            #expect(error?.kind == .connection)
            #expect(error?.message.contains("selecting database 9999") == true)
        }
    }

    @Test("a task waiting for a connection can be cancelled; the pool keeps working")
    func cancelWhileWaiting() async throws {
        try await TestRedis.withPool(try TestRedis.configuration(maximumConnections: 1)) { pool async throws in
            let (acquired, signal) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await pool.withConnection { connection in
                    signal.yield()
                    try await Task.sleep(for: .milliseconds(400))
                    return try await connection.send(["PING"])
                }
            }
            for await _ in acquired { break }  // the holder has the only connection
            let waiter = Task { try await pool.withConnection { try await $0.send(["PING"]) } }
            try await Task.sleep(for: .milliseconds(50))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(try await holder.value == .status("PONG"))
            #expect(try await pool.send(["PING"]) == .status("PONG"))
        }
    }

    @Test("run() returns on cancellation and shuts down; later calls throw .poolClosed")
    func runAndShutdown() async throws {
        let pool = RedisPool(configuration: try TestRedis.configuration(maximumConnections: 2), logger: TestRedis.logger)
        let service = Task { try await pool.run() }
        #expect(try await pool.send(["PING"]) == .status("PONG"))
        service.cancel()
        try await service.value
        let error = await #expect(throws: RedisError.self) { try await pool.send(["PING"]) }
        #expect(error?.kind == .poolClosed)
        await pool.shutdown()  // idempotent
    }
}

/// A loopback TCP port with nothing listening: bind to port 0, read the port, close without listening.
private func unusedPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(descriptor >= 0, "socket() failed")
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
        }
    }
    try #require(bound, "bind() to an ephemeral port failed")
    return Int(UInt16(bigEndian: address.sin_port))
}
