import Synchronization

/// One queue of the writer: the members hashed to it, recorded in commit order by one loop.
final class WriterLane: Sendable {
    /// A lane's work, each kind with the answer it waits for.
    enum Job: Sendable {
        /// Events to record (jobs of events are committed together).
        case events([EventSubmission], reply: CheckedContinuation<[EventOutcome], any Error>)
        /// Members whose listing and standings Redis must take again from PostgreSQL (after profile changes).
        case refreshMembers(program: String, memberIds: [String], reply: CheckedContinuation<Void, any Error>)
        /// An event to retract.
        case retraction(Retraction, reply: CheckedContinuation<RetractionOutcome, any Error>)
        /// An integrity flag to dismiss or confirm.
        case flagReview(FlagReview, reply: CheckedContinuation<IntegrityFlag, any Error>)

        var eventCount: Int {
            if case let .events(submissions, _) = self { submissions.count } else { 0 }
        }

        /// Answers the job with `error` (the lane is closing).
        func fail(_ error: any Error) {
            switch self {
            case let .events(_, reply): reply.resume(throwing: error)
            case let .refreshMembers(_, _, reply): reply.resume(throwing: error)
            case let .retraction(_, reply): reply.resume(throwing: error)
            case let .flagReview(_, reply): reply.resume(throwing: error)
            }
        }
    }

    private struct State {
        var pending: [Job] = []
        var wakeUp: CheckedContinuation<Void, Never>?
        var closing = false
    }

    private let state = Mutex(State())

    /// Queues work; false once the lane is closing.
    func enqueue(_ job: Job) -> Bool {
        let (accepted, wakeUp): (Bool, CheckedContinuation<Void, Never>?) = state.withLock { state in
            guard !state.closing else { return (false, nil) }
            state.pending.append(job)
            defer { state.wakeUp = nil }
            return (true, state.wakeUp)
        }
        wakeUp?.resume()
        return accepted
    }

    /// Stops taking work; what is queued is still handed out.
    func close() {
        let wakeUp = state.withLock { state in
            state.closing = true
            defer { state.wakeUp = nil }
            return state.wakeUp
        }
        wakeUp?.resume()
    }

    /// Everything queued, up to `maximumEvents` events (a larger single job goes alone), waiting when nothing is;
    /// nil once closed and drained.
    func nextJobs(maximumEvents: Int) async -> [Job]? {
        while true {
            let taken: [Job]? = state.withLock { state in
                guard !state.pending.isEmpty else { return state.closing ? nil : [] }
                var events = 0
                var count = 0
                for job in state.pending {
                    if count > 0, events + job.eventCount > maximumEvents { break }
                    events += job.eventCount
                    count += 1
                }
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
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

    /// The lane of a member: FNV-1a of program and member id, so a member's totals are only ever written by one lane.
    static func index(program: String, memberId: String, lanes: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in program.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0) &* 0x100_0000_01b3
        for byte in memberId.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(lanes))
    }
}
