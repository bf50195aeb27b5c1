import Foundation
import Logging
import Metrics
import Postgres
import RallyCore
import RallyLeaderboards
import RallyStorage
import ServiceLifecycle
import Synchronization

/// An event accepted by the API, waiting to be recorded.
public struct EventSubmission: Sendable {
    public var program: ProgramContext
    public var event: Event
    /// When Rally received it: the time a score is "reached" for leaderboard tie-breaks.
    public var receivedAt: Date

    public init(program: ProgramContext, event: Event, receivedAt: Date) {
        self.program = program
        self.event = event
        self.receivedAt = receivedAt
    }
}

/// The writer of Rally's ledger and leaderboards, with group commit.
///
/// Requests queue their events on the lane of each event's member; each lane's loop takes everything queued,
/// records it in one PostgreSQL transaction (one fsync for hundreds of events), then brings Redis in line in
/// one pipeline and answers. Lanes commit side by side, so PostgreSQL shares fsyncs between them too; a member
/// only ever lives in one lane, so its totals reach Redis in commit order and never regress. When Redis fails,
/// the projection is marked stale and brought back in line from PostgreSQL, alone, once Redis answers again.
public final class EventWriter: Service, Sendable {
    let postgres: PostgresPool
    let leaderboards: Leaderboards
    let logger: Logger
    let metrics: WriterMetrics
    let maximumEventsPerCommit: Int
    let projectionCheckInterval: Duration
    /// Boards past keeping are pruned only while this instance holds the scheduler's lease (nil: always).
    let leadership: Leadership?
    /// What the projection checks and prunes are scheduled by.
    let clock: any ServiceClock
    let lanes: [WriterLane]
    let gate = ProjectionGate()
    /// Since when Redis has been behind PostgreSQL (it missed updates, or was never filled since start); nil while it
    /// is in line. A stale projection is rebuilt before anything is projected again.
    let staleSince = Mutex<ContinuousClock.Instant?>(ContinuousClock.now)
    /// The members whose changes Redis missed since the projection was last complete, per program: resynchronising
    /// them is enough when Redis kept its data. Nil while unknown (at start, or past `maximumMissed`): a full rebuild.
    let missed = Mutex<[String: Set<String>]?>(nil)
    /// The run id of each Redis server (by address) when the projection was last brought in line: another one means that
    /// server restarted, perhaps from a snapshot older than what it acknowledged (or a replica took its place), and the
    /// members of the programs it holds are reconciled.
    let inLineWith = Mutex<[String: String]?>(nil)
    static let maximumMissed = 100_000

    public init(postgres: PostgresPool, leaderboards: Leaderboards, logger: Logger, metrics: any MetricsFactory,
                lanes: Int = 2, maximumEventsPerCommit: Int = 4000, projectionCheckInterval: Duration = .seconds(2),
                clock: any ServiceClock = ContinuousClock(), leadership: Leadership? = nil) {
        self.postgres = postgres
        self.leaderboards = leaderboards
        self.leadership = leadership
        self.logger = logger
        self.metrics = WriterMetrics(factory: metrics)
        self.lanes = (0..<max(1, lanes)).map { _ in WriterLane() }
        self.maximumEventsPerCommit = maximumEventsPerCommit
        self.projectionCheckInterval = projectionCheckInterval
        self.clock = clock
    }

    /// The changes this writer made to programs' activity, for what keeps analytics in memory.
    public let activity = ActivityChanges()

    /// Records events (validated, of existing programs); one outcome per submission, in order.
    public func record(_ submissions: [EventSubmission]) async throws -> [EventOutcome] {
        var byLane: [Int: [Int]] = [:]
        for (index, submission) in submissions.enumerated() {
            byLane[lane(program: submission.program.id, memberId: submission.event.memberId), default: []].append(index)
        }
        if byLane.count == 1, let (lane, _) = byLane.first {
            return try await enqueue(on: lane) { .events(submissions, reply: $0) }
        }
        var outcomes = [EventOutcome?](repeating: nil, count: submissions.count)
        try await withThrowingTaskGroup(of: ([Int], [EventOutcome]).self) { group in
            for (lane, indices) in byLane {
                let part = indices.map { submissions[$0] }
                group.addTask { (indices, try await self.enqueue(on: lane) { .events(part, reply: $0) }) }
            }
            for try await (indices, answers) in group {
                for (index, outcome) in zip(indices, answers) { outcomes[index] = outcome }
            }
        }
        return outcomes.map { $0 ?? .rejected(RallyError(.internalError, "event was not processed")) }
    }

    /// Brings members' listings and standings in Redis in line with PostgreSQL (after profile changes), each on the lane
    /// that writes their totals, so that a refresh never interleaves with a commit of the same member.
    public func refreshMembers(program: String, memberIds: [String]) async throws {
        let byLane = Dictionary(grouping: memberIds) { lane(program: program, memberId: $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (lane, ids) in byLane {
                group.addTask { try await self.enqueue(on: lane) { .refreshMembers(program: program, memberIds: ids, reply: $0) } }
            }
            try await group.waitForAll()
        }
    }

    /// Whether the Redis projection is known to be behind PostgreSQL.
    var projectionIsStale: Bool { staleSince.withLock { $0 != nil } }

    /// How long the leaderboards in Redis have been behind PostgreSQL (zero while they are in line).
    public var projectionLag: Duration {
        staleSince.withLock { since in since.map { ContinuousClock.now - $0 } ?? .zero }
    }

    func lane(program: String, memberId: String) -> Int {
        WriterLane.index(program: program, memberId: memberId, lanes: lanes.count)
    }

    /// Queues the job `make` builds on `lane` and waits for its answer.
    func enqueue<Answer: Sendable>(on lane: Int, _ make: (CheckedContinuation<Answer, any Error>) -> WriterLane.Job) async throws -> Answer {
        try await withCheckedThrowingContinuation { reply in
            let job = make(reply)
            if !lanes[lane].enqueue(job) { job.fail(RallyError(.unavailable, "Rally is shutting down")) }
        }
    }

    public func run() async throws {
        // On graceful shutdown (after the HTTP server stopped) and on cancellation (the server failed), the lanes
        // stop taking work and finish what is queued.
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.scheduleProjectionChecks() }
                await withTaskGroup(of: Void.self) { loops in
                    for lane in self.lanes { loops.addTask { await self.process(lane) } }
                }
                group.cancelAll()
            }
        } onCancelOrGracefulShutdown: {
            self.lanes.forEach { $0.close() }
        }
    }

    private func scheduleProjectionChecks() async {
        var lastPruned: ContinuousClock.Instant?, lastPartitioned: ContinuousClock.Instant?
        while !Task.isCancelled {
            try? await clock.sleep(for: projectionCheckInterval)
            await repairProjectionIfNeeded()
            metrics.projectionLag.record(Double(projectionLag.components.seconds) + Double(projectionLag.components.attoseconds) / 1e18)
            if leadership?.isLeader ?? true, lastPartitioned.map({ clock.now - $0 >= Self.pruneInterval }) ?? true {
                lastPartitioned = clock.now
                await createLedgerMonthsAhead()
            }
            if !projectionIsStale, leadership?.isLeader ?? true, lastPruned.map({ clock.now - $0 >= Self.pruneInterval }) ?? true {
                lastPruned = clock.now
                await pruneExpiredBoards()
            }
        }
    }

    /// How often the boards of periods past keeping are deleted from Redis, and the ledger's months ahead made.
    static let pruneInterval: Duration = .seconds(3600)

    /// The ledger's partitions of the months ahead (`LedgerPartitions`), made by the scheduler.
    private func createLedgerMonthsAhead() async {
        do {
            let made = try await LedgerPartitions.createAhead(on: postgres)
            if made > 0 { logger.info("ledger partitions of the months ahead created", metadata: ["months": "\(made)"]) }
        } catch {
            logger.warning("could not create the ledger's partitions of the months ahead; will try again", metadata: ["error": "\(error)"])
        }
    }

    private func pruneExpiredBoards() async {
        do {
            let pruned = try await leaderboards.pruneExpiredBoards()
            if pruned > 0 { logger.info("boards of periods past keeping deleted from Redis", metadata: ["keys": "\(pruned)"]) }
        } catch {
            logger.warning("could not delete the boards of periods past keeping; will try again", metadata: ["error": "\(error)"])
        }
    }

    private func process(_ lane: WriterLane) async {
        while let jobs = await lane.nextJobs(maximumEvents: maximumEventsPerCommit) {
            await gate.shared {
                let events = jobs.compactMap { job in if case let .events(submissions, reply) = job { (submissions, reply) } else { nil } }
                if !events.isEmpty { await recordEvents(events) }
                for job in jobs {
                    switch job {
                    case .events:
                        break
                    case let .refreshMembers(program, memberIds, reply):
                        await refresh(program: program, memberIds: memberIds)
                        reply.resume()
                    case let .retraction(retraction, reply):
                        reply.resume(with: await Result(catching: { try await self.record(retraction) }))
                    case let .flagReview(review, reply):
                        reply.resume(with: await Result(catching: { try await self.record(review) }))
                    }
                }
            }
        }
    }
}

/// Counters and timers of the write path, registered once (those with an action's name when first seen).
final class WriterMetrics: Sendable {
    let created: Counter
    let duplicates: Counter
    let rejected: Counter
    let commits: Timer
    let eventsPerCommit: Recorder
    /// How long Redis has been behind PostgreSQL (0 while in line), refreshed at every projection check.
    let projectionLag: Gauge
    let projectionFailures: Counter
    let rebuilds: Counter
    let badgesAwarded: Counter
    /// `rally_flags_raised_total{rule}`: integrity flags raised by this instance's commits.
    private let flags: [IntegrityRule: Counter]
    private let factory: any MetricsFactory
    /// `rally_events_total{action,status}` and `rally_points_awarded_total{action}`, by their labels.
    private let byAction = Mutex<(events: [String: Counter], points: [String: Counter])>(([:], [:]))

    init(factory: any MetricsFactory) {
        self.factory = factory
        created = Counter(label: "rally_events_recorded_total", dimensions: [("outcome", "created")], factory: factory)
        duplicates = Counter(label: "rally_events_recorded_total", dimensions: [("outcome", "duplicate")], factory: factory)
        rejected = Counter(label: "rally_events_recorded_total", dimensions: [("outcome", "rejected")], factory: factory)
        commits = Timer(label: "rally_event_commit_duration_seconds", factory: factory)
        eventsPerCommit = Recorder(label: "rally_events_per_commit", factory: factory)
        projectionLag = Gauge(label: "rally_projection_lag_seconds", factory: factory)
        projectionFailures = Counter(label: "rally_projection_failures_total", factory: factory)
        rebuilds = Counter(label: "rally_leaderboard_rebuilds_total", factory: factory)
        badgesAwarded = Counter(label: "rally_badges_awarded_total", factory: factory)
        flags = Dictionary(uniqueKeysWithValues: IntegrityRule.allCases.map {
            ($0, Counter(label: "rally_flags_raised_total", dimensions: [("rule", $0.rawValue)], factory: factory))
        })
    }

    func flagsRaised(_ rule: IntegrityRule) {
        flags[rule]?.increment()
    }

    /// Counts what a commit answered: outcomes, and the events recorded and points awarded per action (and status).
    func count(_ outcomes: [(action: String, outcome: EventOutcome)]) {
        var events: [String: (action: String, status: String, count: Int)] = [:]
        var points: [String: Int] = [:]
        for (action, outcome) in outcomes {
            switch outcome {
            case let .created(result):
                created.increment()
                if !result.badgesAwarded.isEmpty { badgesAwarded.increment(by: result.badgesAwarded.count) }
                events["\(action)\n\(result.status.rawValue)", default: (action, result.status.rawValue, 0)].count += 1
                if result.status != .held { points[action, default: 0] += result.points }
            case .duplicate: duplicates.increment()
            case .rejected: rejected.increment()
            }
        }
        let counters = byAction.withLock { made in
            let eventCounters = events.map { key, value in
                (made.events[key] ?? {
                    let counter = Counter(label: "rally_events_total", dimensions: [("action", value.action), ("status", value.status)], factory: factory)
                    made.events[key] = counter
                    return counter
                }(), value.count)
            }
            let pointCounters = points.map { action, total in
                (made.points[action] ?? {
                    let counter = Counter(label: "rally_points_awarded_total", dimensions: [("action", action)], factory: factory)
                    made.points[action] = counter
                    return counter
                }(), total)
            }
            return eventCounters + pointCounters
        }
        for (counter, amount) in counters where amount > 0 { counter.increment(by: amount) }
    }
}

extension Timer {
    /// Records the time elapsed since `start`.
    public func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
