import Foundation
@testable import Postgres
import Testing

/// `PostgresPool.pipelined`: single statements of many callers sent together down the pipeline's own connections.
/// What `body` returned or threw.
private func outcome<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

@Suite("PostgresPool: pipelined statements")
struct PipelineTests {
    /// `n`, the backend that answered, and 100 divided by `divisor` (0: division by zero, for this statement alone).
    struct Divide: PostgresStatement {
        static let sql = "SELECT $1::int AS n, pg_backend_pid() AS pid, 100 / $2::int AS quotient, pg_sleep($3::float8) AS slept"
        var n: Int
        var divisor = 1
        var sleep = "0"
        var bindings: [any PostgresBindable] { [n, divisor, sleep] }
    }

    @Test("200 concurrent statements each get their own answer, on the pipeline's two connections")
    func concurrentStatements() async throws {
        try await TestDatabase.withPool(maximumConnections: 1) { pool in
            let answers = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
                for n in 1...200 {
                    group.addTask {
                        let row = try #require(try await pool.pipelined(Divide(n: n, divisor: n)).first)
                        return (n, try row.int("n"), try row.int("pid"))
                    }
                }
                var answers: [(Int, Int, Int)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            #expect(answers.count == 200)
            #expect(answers.allSatisfy { $0.0 == $0.1 }, "each statement answered with its own parameters")
            #expect(Set(answers.map(\.2)).count == 2, "the pipeline's two connections, none of the pool's")
            #expect(pool.connectionCount == 0)
        }
    }

    @Test("statements queued behind a slow one go together; the one that fails fails alone, those after it are run again")
    func failureStaysAlone() async throws {
        try await TestDatabase.withPool(pipelinedConnections: 1) { pool in
            _ = try await pool.pipelined(Divide(n: 0))
            let slow = Task { try await pool.pipelined(Divide(n: 0, sleep: "1")) }
            // Once the slow one is sent, what is queued waits for the next round trip.
            for _ in 0..<200 where pool.pipeline.batches < 2 { try await Task.sleep(for: .milliseconds(10)) }
            let before = pool.pipeline.batches
            #expect(before == 2)
            // Queued while the slow one runs: sent in one pipeline, the third, sixth and ninth dividing by zero.
            let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for n in 1...10 {
                    group.addTask {
                        (n, await outcome { try #require(try await pool.pipelined(Divide(n: n, divisor: n % 3 == 0 ? 0 : 1)).first).int("quotient") })
                    }
                }
                var results: [Int: Result<Int, any Error>] = [:]
                for await (n, result) in group { results[n] = result }
                return results
            }
            _ = try await slow.value
            #expect(pool.pipeline.batches == before + 1, "the ten went in one round trip")
            for n in 1...10 {
                if n % 3 == 0 {
                    if case let .failure(error as PostgresError) = results[n] {
                        #expect(error.kind == .query && error.sqlState == "22012", "statement \(n)")
                    } else {
                        Issue.record("statement \(n) did not fail: \(String(describing: results[n]))")
                    }
                } else {
                    #expect(try results[n]?.get() == 100, "statement \(n)")
                }
            }
            let nul = await outcome { try await pool.pipelined(Divide(n: 1, sleep: "0\u{0}")) }
            if case let .failure(error as PostgresError) = nul { #expect(error.kind == .invalidParameter) } else { Issue.record("a NUL byte was sent") }
            #expect(try await pool.pipelined(Divide(n: 7)).first?.int("n") == 7, "the connection is still usable")
        }
    }

    @Test("the connections only read: a write is refused, a transaction left open discards the connection")
    func readsOnly() async throws {
        struct Insert: PostgresStatement {
            static let sql = "INSERT INTO pipeline_written VALUES (1)"
            var bindings: [any PostgresBindable] { [] }
        }
        struct Begin: PostgresStatement {
            static let sql = "BEGIN"
            var bindings: [any PostgresBindable] { [] }
        }
        try await TestDatabase.withPool(pipelinedConnections: 1) { pool in
            try await pool.query("CREATE TABLE IF NOT EXISTS pipeline_written (n int)")
            let refused = await outcome { try await pool.pipelined(Insert()) }
            if case let .failure(error as PostgresError) = refused { #expect(error.sqlState == "25006") } else { Issue.record("a write was accepted") }
            #expect(try await pool.query("SELECT count(*) AS n FROM pipeline_written").first?.int("n") == 0)
            let first = try #require(try await pool.pipelined(Divide(n: 1)).first).int("pid")
            _ = try? await pool.pipelined(Begin())
            let next = try #require(try await pool.pipelined(Divide(n: 2)).first)
            #expect(try next.int("pid") != first, "the connection left in a transaction was replaced")
            try await pool.query("DROP TABLE pipeline_written")
        }
    }

    @Test("a connection that dies fails what was in flight; the next statement reconnects")
    func reconnects() async throws {
        try await TestDatabase.withPool(pipelinedConnections: 1) { pool in
            let first = try #require(try await pool.pipelined(Divide(n: 1)).first).int("pid")
            let inFlight = Task { try await pool.pipelined(Divide(n: 2, sleep: "5")) }
            try await Task.sleep(for: .milliseconds(200))
            try await pool.query("SELECT pg_terminate_backend($1::int)", [String(first)])
            let lost = await outcome { try await inFlight.value }
            if case let .failure(error as PostgresError) = lost { #expect(error.kind == .connection) } else { Issue.record("answered: \(lost)") }
            let again = try #require(try await pool.pipelined(Divide(n: 3)).first)
            #expect(try again.int("n") == 3 && again.int("pid") != first)
            // Terminated while idle: found closed before the next statement is sent.
            try await pool.query("SELECT pg_terminate_backend($1::int)", [String(try again.int("pid"))])
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await pool.pipelined(Divide(n: 4)).first?.int("n") == 4)
        }
    }

    @Test("shutdown closes the connections; statements are refused after it")
    func refusedAfterShutdown() async throws {
        let pool = try TestDatabase.makePool(pipelinedConnections: 1)
        let pid = try #require(try await pool.pipelined(Divide(n: 1)).first).int("pid")
        await pool.shutdown()
        try await TestDatabase.withPool { other async throws in
            #expect(try await other.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1::int", [String(pid)]).first?.int("n") == 0)
        }
        let refused = await outcome { try await pool.pipelined(Divide(n: 2)) }
        if case let .failure(error as PostgresError) = refused { #expect(error.kind == .poolClosed) } else { Issue.record("answered after shutdown") }
    }
}
