import Logging
import Prometheus
import RallyAnalytics
import RallyCore
import RallyLedger
import RallyStorage
import ServiceLifecycle
import Synchronization

/// The per-program gauges of `/metrics` (participation rate, enrolled and active members, eNPS, open integrity flags), computed from
/// PostgreSQL at start and then every interval, never per scrape: a scrape costs no query, and the figures are at most
/// one interval old (longer for a round that takes more than the background passes' share of it). With several
/// instances, the scheduler's leader counts the participation and eNPS figures and keeps them in PostgreSQL; the
/// others read them there (and count them themselves only when no leader kept any for three intervals).
final class ProgramGauges: Service, Sendable {
    private let analytics: AnalyticsStore
    /// Whether this instance holds the scheduler's lease (`Leadership`).
    private let isLeader: @Sendable () -> Bool
    private let flags: FlagStore
    private let registry: PrometheusCollectorRegistry
    private let interval: Duration
    private let clock: any ServiceClock
    private let passes: BackgroundPasses
    private let logger: Logger
    /// The eNPS gauges shown: a program's is taken away while its figure is suppressed.
    private let enpsShown = Mutex<[String: Gauge]>([:])
    /// The open-flag gauges shown, by program and rule: one whose flags were all reviewed goes back to 0.
    private let flagsShown = Mutex<[String: Gauge]>([:])

    init(analytics: AnalyticsStore, isLeader: @escaping @Sendable () -> Bool, flags: FlagStore, registry: PrometheusCollectorRegistry, interval: Duration,
         clock: any ServiceClock, passes: BackgroundPasses, logger: Logger) {
        self.analytics = analytics
        self.isLeader = isLeader
        self.flags = flags
        self.passes = passes
        self.registry = registry
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    let rest = try await self.passes.paced(every: self.interval) { await self.refresh() }
                    try await self.clock.sleep(for: rest)
                }
            }
        } catch is CancellationError {
            // Shutting down.
        }
    }

    /// Computes every program's figures and sets the gauges.
    func refresh() async {
        let figures: [ProgramGaugeFigures]
        do {
            if isLeader() {
                figures = try await analytics.gaugeFigures(keepingFor: interval * 3)
            } else if let prepared = try await analytics.preparedGaugeFigures() {
                figures = prepared
            } else {
                figures = try await analytics.gaugeFigures()
            }
        } catch {
            logger.warning("program gauges not refreshed", metadata: ["error": "\(error)"])
            return
        }
        for program in figures {
            gauge("rally_members_enrolled", [("program", program.program)], "Members enrolled now").set(Double(program.enrolled))
            for (period, active) in [("week", program.activeWeek), ("month", program.activeMonth)] {
                let labels = [("program", program.program), ("period", period)]
                gauge("rally_members_active", labels, "Enrolled members with a qualifying action in the current period").set(Double(active))
                gauge("rally_participation_rate", labels, "Active / enrolled members in the current period, 0 to 1")
                    .set(program.enrolled > 0 ? Double(active) / Double(program.enrolled) : 0)
            }
            showENPS(program.program, program.enps)
        }
        await refreshFlags()
    }

    /// `rally_flags_open{program, rule}`.
    private func refreshFlags() async {
        let counts: [(program: String, rule: IntegrityRule, count: Int)]
        do {
            counts = try await flags.openCounts()
        } catch {
            logger.warning("flag gauges not refreshed", metadata: ["error": "\(error)"])
            return
        }
        let made = counts.map { ("\($0.program)/\($0.rule.rawValue)", $0.count,
                                 gauge("rally_flags_open", [("program", $0.program), ("rule", $0.rule.rawValue)], "Integrity flags waiting for review")) }
        flagsShown.withLock { shown in
            let current = Set(made.map(\.0))
            for (key, gauge) in shown where !current.contains(key) { gauge.set(Double(0)) }
            for (key, count, gauge) in made {
                gauge.set(Double(count))
                shown[key] = gauge
            }
        }
    }

    private func gauge(_ name: String, _ labels: [(String, String)], _ help: String) -> Gauge {
        registry.makeGauge(name: name, labels: labels, help: help)
    }

    private func showENPS(_ program: String, _ value: Double?) {
        enpsShown.withLock { shown in
            if let value {
                let made = shown[program] ?? gauge("rally_satisfaction_enps", [("program", program)],
                                                    "eNPS of the last 90 days' answers (absent below 5 respondents)")
                made.set(value)
                shown[program] = made
            } else if let made = shown.removeValue(forKey: program) {
                registry.unregisterGauge(made)
            }
        }
    }
}
