import Postgres
import Prometheus
import Redis
import Synchronization

/// The connection pools' use on `/metrics`, read from the pools at each scrape (in memory, no I/O): connections open,
/// lent out and waited for, and how many checkouts waited and how long in all. A PostgreSQL pool's pipeline, once used,
/// shows as the pool `<name>-pipeline`: its connections open and busy, and the statements waiting for a round trip.
final class PoolMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let postgres: [(name: String, pool: PostgresPool)]
    private let redis: any RedisClient
    /// The totals already added to each counter: counters only go up, by what the pool's totals grew since.
    private let published = Mutex<[String: Double]>([:])
    /// The pools whose pipeline was used: shown from then on.
    private let pipelinesShown = Mutex<Set<String>>([])

    init(registry: PrometheusCollectorRegistry, postgres: [(name: String, pool: PostgresPool)], redis: any RedisClient) {
        self.registry = registry
        self.postgres = postgres
        self.redis = redis
    }

    func update() {
        for (name, pool) in postgres {
            let statistics = pool.statistics
            publish(prefix: "rally_postgres", labels: [("pool", name)], open: statistics.open, inUse: statistics.inUse, waiting: statistics.waiting,
                    waits: statistics.waits, waitedSeconds: statistics.waitedSeconds)
            let pipeline = pool.pipelineStatistics
            let shown = pipelinesShown.withLock { shown in
                if pipeline.open > 0 { shown.insert(name) }
                return shown.contains(name)
            }
            if shown {
                for (state, value) in [("open", pipeline.open), ("in_use", pipeline.inUse), ("waiting", pipeline.waiting)] {
                    connections([("pool", "\(name)-pipeline"), ("state", state)], prefix: "rally_postgres").set(Double(value))
                }
            }
        }
        let statistics = redis.statistics
        publish(prefix: "rally_redis", labels: [("pool", "main")], open: statistics.open, inUse: statistics.inUse, waiting: statistics.waiting,
                waits: statistics.waits, waitedSeconds: statistics.waitedSeconds)
    }

    private func publish(prefix: String, labels: [(String, String)], open: Int, inUse: Int, waiting: Int, waits: Int, waitedSeconds: Double) {
        for (state, value) in [("open", open), ("in_use", inUse), ("waiting", waiting)] {
            connections(labels + [("state", state)], prefix: prefix).set(Double(value))
        }
        increase(registry.makeCounter(name: "\(prefix)_pool_waits_total", labels: labels, help: "Checkouts that had to wait for a connection"),
                 to: Double(waits), key: "\(prefix)/\(labels)/waits")
        increase(registry.makeCounter(name: "\(prefix)_pool_wait_seconds_total", labels: labels, help: "Time checkouts spent waiting for a connection"),
                 to: waitedSeconds, key: "\(prefix)/\(labels)/seconds")
    }

    private func connections(_ labels: [(String, String)], prefix: String) -> Gauge {
        registry.makeGauge(name: "\(prefix)_connections", labels: labels, help: "Connections of the pool open, lent out, and tasks waiting for one")
    }

    private func increase(_ counter: Counter, to total: Double, key: String) {
        let delta = published.withLock { published -> Double in
            let delta = total - (published[key] ?? 0)
            if delta > 0 { published[key] = total }
            return delta
        }
        if delta > 0 { counter.increment(by: delta) }
    }
}
