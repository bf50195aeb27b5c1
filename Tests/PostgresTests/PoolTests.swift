import Foundation
import Postgres
import Testing

@Suite("PostgresPool")
struct PoolTests {
    @Test("50 concurrent withConnection calls share at most 4 connections")
    func concurrency() async throws {
        try await TestDatabase.withPool(maximumConnections: 4) { pool in
            let gauge = ConcurrencyGauge()
            let pids = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            gauge.enter()
                            defer { gauge.leave() }
                            let row = try #require(try connection.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.01)").first)
                            return try row.int("pid")
                        }
                    }
                }
                var pids: [Int] = []
                for try await pid in group { pids.append(pid) }
                return pids
            }
            #expect(pids.count == 50)
            #expect(Set(pids).count <= 4)
            #expect(gauge.peak <= 4)
            #expect(pool.connectionCount <= 4)
        }
    }

    @Test("a session keeps one connection and its transaction across awaits, and what it leaves open is rolled back")
    func sessionKeepsItsTransaction() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            let table = "session_\(UUID().uuidString.prefix(8).lowercased())"
            try await pool.query("CREATE TABLE \(table) (n int)")
            let (first, second) = try await pool.withSession { session in
                let first = try await session.run { connection in
                    try connection.execute("BEGIN")
                    return try connection.query("SELECT pg_backend_pid() AS pid").first?.int("pid")
                }
                try await Task.sleep(for: .milliseconds(10))
                try await session.run { try $0.execute("INSERT INTO \(table) VALUES (1)") }
                let second = try await session.run { connection in
                    try (connection.query("SELECT pg_backend_pid() AS pid, count(*) AS n FROM \(table)").first).map { (try $0.int("pid"), try $0.int("n")) }
                }
                return (first, second)
            }
            #expect(first != nil && first == second?.0)
            #expect(second?.1 == 1, "the insert is seen inside the session's transaction")
            // The session never committed: the insert is gone, and the connection went back to the pool usable.
            #expect(try await pool.query("SELECT count(*) AS n FROM \(table)").first?.int("n") == 0)
            #expect(try await pool.query("SELECT pg_backend_pid() AS pid").first?.int("pid") == first)
            try await pool.query("DROP TABLE \(table)")
        }
    }

    @Test("the pool reconnects after the server terminates an idle connection")
    func reconnectAfterTermination() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { killer in
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            let first = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            let terminated = try await killer.query("SELECT pg_terminate_backend($1::int) AS ok", [String(first)])
            #expect(try terminated.first?.bool("ok") == true)
            try await waitUntilGone(pid: first, killer)

            let second = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            #expect(second != first)
            #expect(pool.connectionCount == 1)
        }
        }
    }

    @Test("a connection killed during use fails with .connection and is replaced")
    func reconnectAfterKillDuringUse() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            let first = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            let error = await #expect(throws: PostgresError.self) {
                try await pool.query("SELECT pg_terminate_backend(pg_backend_pid())")
            }
            #expect(error?.kind == .connection)
            let second = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first?.int("pid"))
            #expect(second != first)
        }
    }

    @Test("shutdown fails waiting and later calls with .poolClosed and is idempotent")
    func shutdownClosesPool() async throws {
        let pool = try TestDatabase.makePool(maximumConnections: 1)
        let holder = await Self.holdConnection(pool, seconds: 0.5)
        let waiter = Task { try await pool.query("SELECT 1") }
        try await Task.sleep(for: .milliseconds(100))
        await pool.shutdown()
        await pool.shutdown()

        let waiterError = await #expect(throws: PostgresError.self) { try await waiter.value }
        #expect(waiterError?.kind == .poolClosed)
        _ = try await holder.value
        let laterError = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(laterError?.kind == .poolClosed)
        #expect(pool.connectionCount == 0)
    }

    /// Starts a query that holds one connection for `seconds`; returns once it holds it.
    static func holdConnection(_ pool: PostgresPool, seconds: Double) async -> Task<Void, any Error> {
        let (acquired, signal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            _ = try await pool.withConnection { connection in
                signal.yield()
                return try connection.query("SELECT pg_sleep($1::float8)", [String(seconds)]).count
            }
        }
        for await _ in acquired { break }
        return holder
    }

    @Test("cancelling a waiting checkout does not leak the slot")
    func cancelledWaiter() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            let holder = await Self.holdConnection(pool, seconds: 0.4)
            let waiter = Task { try await pool.query("SELECT 1") }
            try await Task.sleep(for: .milliseconds(50))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            _ = try await holder.value
            #expect(try await pool.query("SELECT 2 AS two").first?.int("two") == 2)
            #expect(pool.connectionCount == 1)
        }
    }

    @Test("run() returns on cancellation and closes the pool")
    func runUntilCancelled() async throws {
        let pool = try TestDatabase.makePool(maximumConnections: 1)
        let service = Task { try await pool.run() }
        #expect(try await pool.query("SELECT 1 AS one").first?.int("one") == 1)
        service.cancel()
        try await service.value
        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error?.kind == .poolClosed)
    }

    @Test("an unreachable server gives a .connection error")
    func connectionFailure() async throws {
        let configuration = PostgresConfiguration(
            connectionString: "postgresql://nobody@127.0.0.1:1/none", maximumConnections: 1, connectTimeout: .seconds(2)
        )
        var quiet = TestDatabase.logger
        quiet.logLevel = .critical
        let pool = PostgresPool(configuration: configuration, logger: quiet)
        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error?.kind == .connection)
        #expect(pool.connectionCount == 0)
        await pool.shutdown()
    }

    /// Waits until the server has removed `pid` (its socket closes as it exits).
    private func waitUntilGone(pid: Int, _ pool: PostgresPool) async throws {
        for _ in 0..<100 {
            let rows = try await pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", [String(pid)])
            if rows.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("backend \(pid) was not terminated within 2 s")
    }
}
