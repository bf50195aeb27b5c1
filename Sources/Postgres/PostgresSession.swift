/// One connection held across awaits, for work that interleaves PostgreSQL with other I/O inside one transaction
/// (a snapshot streamed to Redis a chunk at a time). Each `run` executes on a pool thread, always on the same
/// connection, one at a time.
public struct PostgresSession: Sendable {
    private let pool: PostgresPool
    fileprivate let pooled: PooledConnection

    fileprivate init(pool: PostgresPool, pooled: PooledConnection) {
        self.pool = pool
        self.pooled = pooled
    }

    /// Runs `body` on the session's connection.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.threads.runIfActive { [pooled] in try body(pooled.connection) }
    }

    /// Reads an open cursor to its end, `count` rows at a time: `body` handles each chunk while PostgreSQL reads the next.
    public func forEachChunk(of cursor: String, count: Int, _ body: (PostgresRows) async throws -> Void) async throws {
        let fetch = "FETCH \(count) FROM \(cursor)"
        var next = Task { try await run { try $0.query(fetch) } }
        do {
            while case let rows = try await next.value, !rows.isEmpty {
                next = Task { try await run { try $0.query(fetch) } }
                try await body(rows)
            }
        } catch {
            _ = try? await next.value // the connection is idle again before whoever holds the session goes on
            throw error
        }
    }
}

extension PostgresPool {
    /// Checks out one connection for the whole of `body`, which may await other work between its statements; what
    /// `body` leaves open is rolled back before the connection goes back to the pool.
    public func withSession<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        let lease = try await checkout()
        let opened: PooledConnection
        do {
            opened = try await threads.runIfActive { [self] in try open(lease) }
        } catch {
            checkin(nil)
            throw isClosed ? Self.closedError : error
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(PostgresSession(pool: self, pooled: opened)))
        } catch {
            result = .failure(error)
        }
        let kept = try? await threads.runIfActive { [self] () -> PooledConnection? in
            if opened.connection.resetAfterUse(), !isClosed { return opened }
            opened.connection.close()
            return nil
        }
        checkin(kept ?? nil)
        return try result.get()
    }

    /// On a pool thread: the lease's connection if still usable, or a new one.
    private func open(_ lease: PoolLease) throws -> PooledConnection {
        if let existing = lease.pooled, existing.connection.isUsableAfterIdle() { return existing }
        lease.pooled?.connection.close()
        return PooledConnection(connection: try PostgresConnection.connect(configuration, logger: logger))
    }
}
