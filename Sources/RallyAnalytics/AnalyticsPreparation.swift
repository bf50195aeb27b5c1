import Foundation
import Logging
import Postgres
import RallyStorage
import ServiceLifecycle

/// Prepares every program's default analytics answers in the background, at start and then every interval
/// (`AnalyticsStore.prepare`): participation (the figures of periods that ended are counted once and kept in
/// PostgreSQL, those of the month and week under way counted again each time) and satisfaction (the last 30 and 90
/// days). HR's first look at a program of any size then reads what is ready instead of counting while it waits.
/// A round waits its turn among the instance's background passes and is paced by them: a large program's round that
/// takes a minute is followed by a rest of twenty, not by another round five minutes later. With several instances,
/// the scheduler's leader alone prepares: what it counts is kept in PostgreSQL for all (`prepared_answers`), until a
/// little after its next round.
public final class AnalyticsPreparation: Service, Sendable {
    let analytics: AnalyticsStore
    /// A program as PostgreSQL holds it now (the ledger's `ProgramStore.fresh`).
    let program: @Sendable (String) async throws -> ProgramContext
    /// Whether this instance holds the scheduler's lease (the ledger's `Leadership`); true alone.
    let isLeader: @Sendable () -> Bool
    let interval: Duration
    let clock: any ServiceClock
    let passes: BackgroundPasses
    let logger: Logger

    public init(analytics: AnalyticsStore, program: @escaping @Sendable (String) async throws -> ProgramContext,
                isLeader: @escaping @Sendable () -> Bool = { true }, interval: Duration, clock: any ServiceClock = ContinuousClock(),
                passes: BackgroundPasses = BackgroundPasses(), logger: Logger) {
        self.analytics = analytics
        self.passes = passes
        self.program = program
        self.isLeader = isLeader
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    let since = await self.roundStarts()
                    let rest = try await self.passes.paced(every: self.interval) { if since != nil { await self.prepareAll() } }
                    // What the round prepared lasts until the next one, a little after this rest.
                    if let since { await self.keepPrepared(for: rest + .seconds(10), since: since) }
                    try await self.clock.sleep(for: rest)
                }
            }
        } catch is CancellationError {
            // Shutting down: what was kept stays kept.
        }
    }

    /// When this instance leads the scheduler, the time a round starts at (PostgreSQL's clock); nil when another
    /// instance prepares (or PostgreSQL cannot say).
    private func roundStarts() async -> String? {
        guard isLeader() else { return nil }
        do {
            return try await analytics.preparationStarts()
        } catch {
            logger.warning("analytics not prepared", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func keepPrepared(for duration: Duration, since: String) async {
        do {
            try await analytics.keepPrepared(for: duration, since: since)
        } catch {
            logger.warning("prepared analytics not kept until the next round", metadata: ["error": "\(error)"])
        }
    }

    /// Prepares each program in turn; one that fails is logged and tried again next time.
    public func prepareAll() async {
        let ids: [String]
        do {
            ids = try await analytics.report("SELECT id FROM programs ORDER BY id").map { try $0.string("id") }
        } catch {
            logger.warning("analytics not prepared", metadata: ["error": "\(error)"])
            return
        }
        for id in ids {
            let started = ContinuousClock.now
            do {
                try await analytics.prepare(program: try await program(id))
            } catch {
                // Shutting down: what was kept stays kept.
                if Task.isCancelled { return }
                logger.warning("analytics not prepared", metadata: ["program": "\(id)", "error": "\(error)"])
                continue
            }
            let took = ContinuousClock.now - started
            logger.log(level: took > .seconds(1) ? .info : .debug, "analytics prepared",
                       metadata: ["program": "\(id)", "seconds": "\(took.seconds)"])
        }
    }
}
