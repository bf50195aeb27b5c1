import Foundation
import Logging
import Metrics
import Postgres
import RallyCore
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

/// The single writer of Rally's ledger and leaderboards, with group commit.
///
/// Requests queue their events here; one loop takes everything queued, records it in one PostgreSQL
/// transaction (one fsync for hundreds of events), then brings Redis in line in one pipeline and answers.
/// Being the only writer of the Redis projection keeps it in commit order, so it never regresses; when
/// Redis fails the projection is marked stale and rebuilt from PostgreSQL once Redis answers again.
public final class EventWriter: Service, Sendable {
    enum Work: Sendable {
        case events([EventSubmission])
        case refreshMember(program: String, memberId: String)
        case checkProjection
    }

    struct Job: Sendable {
        var work: Work
        var reply: CheckedContinuation<[EventOutcome], any Error>
    }

    struct State {
        var pending: [Job] = []
        var wakeUp: CheckedContinuation<Void, Never>?
        var closing = false
        /// Redis missed updates (or was never filled since start): rebuild before projecting again.
        var projectionStale = true
    }

    let postgres: PostgresPool
    let leaderboards: Leaderboards
    let logger: Logger
    let metrics: WriterMetrics
    let maximumEventsPerCommit: Int
    let projectionCheckInterval: Duration
    let state = Mutex(State())

    public init(postgres: PostgresPool, leaderboards: Leaderboards, logger: Logger,
                metrics: any MetricsFactory, maximumEventsPerCommit: Int = 4000, projectionCheckInterval: Duration = .seconds(2)) {
        self.postgres = postgres
        self.leaderboards = leaderboards
        self.logger = logger
        self.metrics = WriterMetrics(factory: metrics)
        self.maximumEventsPerCommit = maximumEventsPerCommit
        self.projectionCheckInterval = projectionCheckInterval
    }

    /// Records events (validated, of existing programs); one outcome per submission, in order.
    public func record(_ submissions: [EventSubmission]) async throws -> [EventOutcome] {
        guard !submissions.isEmpty else { return [] }
        return try await enqueue(.events(submissions))
    }

    /// Brings a member's listing and standings in Redis in line with PostgreSQL (after a profile change).
    public func refreshMember(program: String, memberId: String) async throws {
        _ = try await enqueue(.refreshMember(program: program, memberId: memberId))
    }

    /// Rebuilds the leaderboards now if Redis lost them or missed updates; waits for it.
    public func checkProjection() async throws {
        _ = try await enqueue(.checkProjection)
    }

    /// Whether the Redis projection is known to be behind PostgreSQL.
    public var projectionIsStale: Bool { state.withLock { $0.projectionStale } }

    private func enqueue(_ work: Work) async throws -> [EventOutcome] {
        try await withCheckedThrowingContinuation { reply in
            let accepted: (Bool, CheckedContinuation<Void, Never>?) = state.withLock { state in
                guard !state.closing else { return (false, nil) }
                state.pending.append(Job(work: work, reply: reply))
                defer { state.wakeUp = nil }
                return (true, state.wakeUp)
            }
            guard accepted.0 else {
                reply.resume(throwing: RallyError(.unavailable, "Rally is shutting down"))
                return
            }
            accepted.1?.resume()
        }
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.scheduleProjectionChecks() }
                await self.processJobs()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Stops taking work; what is queued is still recorded before `run` returns.
    func close() {
        let wakeUp = state.withLock { state in
            state.closing = true
            defer { state.wakeUp = nil }
            return state.wakeUp
        }
        wakeUp?.resume()
    }

    private func scheduleProjectionChecks() async {
        while !Task.isCancelled {
            try? await checkProjection()
            try? await Task.sleep(for: projectionCheckInterval)
        }
    }

    private func processJobs() async {
        while let jobs = await nextJobs() {
            var eventJobs: [Job] = []
            var otherJobs: [Job] = []
            for job in jobs {
                if case .events = job.work { eventJobs.append(job) } else { otherJobs.append(job) }
            }
            if !eventJobs.isEmpty { await recordEvents(eventJobs) }
            for job in otherJobs {
                switch job.work {
                case let .refreshMember(program, memberId):
                    await refresh(program: program, memberId: memberId)
                case .checkProjection:
                    await repairProjectionIfNeeded()
                case .events:
                    break
                }
                job.reply.resume(returning: [])
            }
        }
    }

    /// Everything queued (up to `maximumEventsPerCommit` events), waiting when nothing is; nil once closed and drained.
    private func nextJobs() async -> [Job]? {
        while true {
            let taken: [Job]? = state.withLock { state in
                guard !state.pending.isEmpty else { return state.closing ? nil : [] }
                var count = 0
                var split = 0
                for job in state.pending {
                    if case let .events(submissions) = job.work {
                        if count > 0, count + submissions.count > maximumEventsPerCommit { break }
                        count += submissions.count
                    }
                    split += 1
                }
                let jobs = Array(state.pending.prefix(split))
                state.pending.removeFirst(split)
                return jobs
            }
            guard let taken else { return nil }
            if !taken.isEmpty { return taken }
            await withCheckedContinuation { (wakeUp: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if !state.pending.isEmpty || state.closing { return true }
                    state.wakeUp = wakeUp
                    return false
                }
                if resumeNow { wakeUp.resume() }
            }
        }
    }
}

/// Counters and timers of the write path, registered once.
struct WriterMetrics: Sendable {
    let created: Counter
    let duplicates: Counter
    let rejected: Counter
    let commits: Timer
    let eventsPerCommit: Recorder
    let projectionFailures: Counter
    let rebuilds: Counter

    init(factory: any MetricsFactory) {
        created = Counter(label: "rally_events_recorded_total", dimensions: [("outcome", "created")], factory: factory)
        duplicates = Counter(label: "rally_events_recorded_total", dimensions: [("outcome", "duplicate")], factory: factory)
        rejected = Counter(label: "rally_events_recorded_total", dimensions: [("outcome", "rejected")], factory: factory)
        commits = Timer(label: "rally_event_commit_duration_seconds", factory: factory)
        eventsPerCommit = Recorder(label: "rally_events_per_commit", factory: factory)
        projectionFailures = Counter(label: "rally_projection_failures_total", factory: factory)
        rebuilds = Counter(label: "rally_leaderboard_rebuilds_total", factory: factory)
    }
}

extension Timer {
    /// Records the time elapsed since `start`.
    public func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
