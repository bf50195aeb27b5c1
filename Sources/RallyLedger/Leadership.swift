import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Synchronization

/// Which instance runs the scheduled jobs (period closes, the pruning of boards past keeping, the ledger's partitions of
/// the months ahead): the one holding the `scheduler` lease in PostgreSQL's `leases` table, taken when free or run out
/// and renewed every third of its length. When the leader stops, it gives the lease back; when it dies or loses
/// PostgreSQL, another takes it over once it runs out (`lease`), and a job's own record (a period's close, a board's
/// expiry, a partition's existence) keeps a run from counting twice. The leader knows itself leader only until its
/// lease would run out, measured from before it asked, so that two never both believe it. Queues need no leader:
/// webhook deliveries and retroactive badge passes are claimed row by row.
public final class Leadership: Service, Sendable {
    let postgres: PostgresPool
    /// This instance's name in the lease: host, process and a random part.
    public let instance: String
    let lease: Duration
    let logger: Logger
    private let heldUntil = Mutex<ContinuousClock.Instant?>(nil)
    private let leader: Gauge

    public init(postgres: PostgresPool, lease: Duration = .seconds(15), logger: Logger, metrics: any MetricsFactory) {
        self.postgres = postgres
        self.lease = lease
        self.logger = logger
        self.leader = Gauge(label: "rally_scheduler_leader", factory: metrics)
        let host = ProcessInfo.processInfo.hostName
        instance = "\(host)/\(getpid())/\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Whether this instance holds the lease now.
    public var isLeader: Bool {
        heldUntil.withLock { $0.map { $0 > ContinuousClock.now } ?? false }
    }

    /// Takes the lease if it is free or ran out, or renews it if held; says whether it is held.
    @discardableResult
    public func takeOrRenew() async -> Bool {
        let asked = ContinuousClock.now
        let was = isLeader
        var held = false
        do {
            held = try await !postgres.query("""
                INSERT INTO leases AS l (name, holder, expires_at) VALUES ('scheduler', $1, now() + $2::float8 * interval '1 second')
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE l.holder = excluded.holder OR l.expires_at < now()
                RETURNING holder
                """, [instance, String(lease.components.seconds)]).isEmpty
        } catch {
            logger.warning("could not take or renew the scheduler's lease", metadata: ["error": "\(error)"])
        }
        // Held until the lease runs out as PostgreSQL counts it, less a second for the clocks' sake.
        heldUntil.withLock { $0 = held ? asked + lease - .seconds(1) : nil }
        leader.record(held ? 1 : 0)
        if held != was {
            logger.notice(held ? "this instance runs the scheduled jobs" : "another instance runs the scheduled jobs",
                          metadata: ["instance": "\(instance)"])
        }
        return held
    }

    /// Renews (or takes) the lease every third of its length until graceful shutdown, then gives it back.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                await self.takeOrRenew()
                try await Task.sleep(for: self.lease / 3)
            }
        }
        heldUntil.withLock { $0 = nil }
        leader.record(0)
        // Given back even when the run was cancelled rather than shut down gracefully.
        let (postgres, instance) = (postgres, instance)
        _ = await Task { try? await postgres.query("DELETE FROM leases WHERE name = 'scheduler' AND holder = $1", [instance]) }.value
    }
}
