import Foundation
import Postgres
import RallyStorage
import Synchronization

/// Where reports read: the primary's report connections, or a streaming replica's (`RALLY_DATABASE_REPLICA_URL`) while
/// the replica is at most `maximumLag` behind the primary. The lag is measured at most once a second, on demand: the
/// replica has replayed everything the primary had written (lag 0), or else the time since the last transaction it
/// replayed. A replica that cannot be reached, or lags more, leaves reports to the primary until it catches up.
public final class ReportDatabase: Sendable {
    /// Where one report read, as its answer states it.
    public struct Source: Sendable, Equatable {
        /// `primary` or `replica`.
        public var database: String
        /// How far behind the primary the replica was when last measured (nil: no replica, or it did not answer).
        public var replicaLagSeconds: Double?
    }

    let primary: PostgresPool
    let replica: PostgresPool?
    let maximumLag: Duration
    private let clock: any ServiceClock
    private let measured = Mutex<(at: ContinuousClock.Instant, lag: Double?)?>(nil)
    private static let measureEvery: Duration = .seconds(1)

    public init(primary: PostgresPool, replica: PostgresPool? = nil, maximumLag: Duration = .seconds(10), clock: any ServiceClock = ContinuousClock()) {
        self.primary = primary
        self.replica = replica
        self.maximumLag = maximumLag
        self.clock = clock
    }

    /// Where reads go now, and the replica's lag as last measured.
    public func source() async -> Source {
        await choose().source
    }

    /// Runs a report's statements on one connection of the database chosen now; one that writes (keeps figures) always
    /// runs on the primary.
    func withConnection<T: Sendable>(writing: Bool = false, _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let pool = writing ? primary : await choose().pool
        return try await pool.withConnection(body)
    }

    private func choose() async -> (pool: PostgresPool, source: Source) {
        guard let replica else { return (primary, Source(database: "primary", replicaLagSeconds: nil)) }
        let lag = await replicaLag(replica)
        let limit = Double(maximumLag.components.seconds) + Double(maximumLag.components.attoseconds) / 1e18
        if let lag, lag <= limit { return (replica, Source(database: "replica", replicaLagSeconds: lag)) }
        return (primary, Source(database: "primary", replicaLagSeconds: lag))
    }

    /// The replica's lag in seconds, measured again when the last measure is a second old; nil when either database
    /// did not answer.
    private func replicaLag(_ replica: PostgresPool) async -> Double? {
        let now = clock.now
        if let last = measured.withLock({ $0 }), now - last.at < Self.measureEvery { return last.lag }
        var lag: Double?
        do {
            let written = try await primary.query("SELECT pg_current_wal_lsn()::text AS lsn")[0].string("lsn")
            let row = try await replica.query("""
                SELECT CASE WHEN pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 0
                            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS lag
                """, [written])[0]
            lag = max(0, try row.double("lag"))
        } catch {
            lag = nil
        }
        measured.withLock { $0 = (now, lag) }
        return lag
    }
}
