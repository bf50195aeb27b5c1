import Foundation
import Postgres
import RallyCore
import RallyLeaderboards
import RallyStorage

/// One group commit: what PostgreSQL recorded, and what Redis must now be told.
struct CommitResult: Sendable {
    /// Per submission: the outcome, ranks still to fill in.
    var outcomes: [EventOutcome]
    /// The changes of ranked members' standings, in commit order, with their program.
    var updates: [(program: String, update: MemberBoardChanges)]
    /// For each member answered in this commit and each board they are on: the rank to ask Redis for.
    var rankQueries: [RankQuery]
    /// The programs whose members' points changed (ranked or not).
    var programsAwarded: Set<String> = []
    /// The programs with points on boards Redis does not hold, read from PostgreSQL: periods it no longer keeps
    /// (backfilled events) and campaigns.
    var programsArchived: Set<String> = []
    /// The programs where the rules scored an event, and the days already over those events fell on.
    var activity = ActivityChange()
    /// The rules of the integrity flags raised.
    var flagsRaised: [IntegrityRule] = []
}

extension CommitResult {
    /// The results of the parts of one group (each covering submissions from its offset on, in commit order) and the
    /// errors of the submissions refused, as one result in the group's order.
    init(merging parts: [(offset: Int, result: CommitResult)], refused: [Int: RallyError], count: Int) {
        var outcomes = [EventOutcome](repeating: .rejected(RallyError(.internalError, "event was not processed")), count: count)
        var updates: [(program: String, update: MemberBoardChanges)] = []
        var rankQueries: [RankQuery] = []
        var programsAwarded: Set<String> = []
        var programsArchived: Set<String> = []
        var activity = ActivityChange()
        var flagsRaised: [IntegrityRule] = []
        for (offset, part) in parts {
            flagsRaised += part.flagsRaised
            programsArchived.formUnion(part.programsArchived)
            activity.formUnion(part.activity)
            for (index, outcome) in part.outcomes.enumerated() { outcomes[offset + index] = outcome }
            updates += part.updates
            programsAwarded.formUnion(part.programsAwarded)
            for var query in part.rankQueries {
                query.submissions = query.submissions.map { $0 + offset }
                rankQueries.append(query)
            }
        }
        for (index, error) in refused { outcomes[index] = .rejected(error) }
        self.init(outcomes: outcomes, updates: updates, rankQueries: rankQueries, programsAwarded: programsAwarded,
                  programsArchived: programsArchived, activity: activity, flagsRaised: flagsRaised)
    }
}

/// Which rank of a member an answer needs, and for which submissions.
struct RankQuery: Sendable {
    var submissions: [Int]
    var program: String
    var memberId: String
    var slot: PeriodRanks.Slot
    var period: Period
    var points: Int64
}

/// Another writer recorded one of these ids between our check and our insert: start the commit again.
struct ConcurrentWriterRace: Error {}

extension EventWriter {
    func recordEvents(_ jobs: [(submissions: [EventSubmission], reply: CheckedContinuation<[EventOutcome], any Error>)]) async {
        let submissions = jobs.flatMap(\.submissions)
        let started = ContinuousClock.now
        do {
            var result = try await commitGroup(submissions)
            metrics.commits.recordInterval(since: started)
            metrics.eventsPerCommit.record(submissions.count)
            leaderboards.postgresBoardsChanged(awarded: result.programsAwarded, archived: result.programsArchived)
            let ranks = await project(result.updates, rankQueries: result.rankQueries)
            for (query, rank) in zip(result.rankQueries, ranks) {
                for index in query.submissions { result.outcomes[index].updateResult { $0.member.ranks[query.slot] = rank } }
            }
            metrics.count(zip(submissions, result.outcomes).map { ($0.event.action, $1) })
            for rule in result.flagsRaised { metrics.flagsRaised(rule) }
            activity.changed(result.activity)
            var offset = 0
            for job in jobs {
                job.reply.resume(returning: Array(result.outcomes[offset..<(offset + job.submissions.count)]))
                offset += job.submissions.count
            }
        } catch {
            logger.error("event commit failed", metadata: ["error": "\(error)", "events": "\(submissions.count)"])
            for job in jobs { job.reply.resume(throwing: error) }
        }
    }

    /// Records one group in one transaction of generic plans (its statements are prepared and look up keys: planning
    /// them for each commit cost more than running them), again after a race with another writer (up to three
    /// attempts). When PostgreSQL refuses a value of the group, the group is recorded again without the submissions at fault, which
    /// are found by halves, each half under a savepoint of one transaction: only they answer an error.
    private func commitGroup(_ group: [EventSubmission]) async throws -> CommitResult {
        var attempt = 1
        var isolating = false
        while true {
            do {
                return try await postgres.transaction(planning: .generic) { [isolating, retention = leaderboards.retention] connection in
                    isolating ? try Self.commitIsolating(group, now: Date(), retention: retention, on: connection)
                        : try Self.commit(group, now: Date(), retention: retention, on: connection)
                }
            } catch let error as PostgresError where error.isRefusedValue && !isolating {
                logger.warning("PostgreSQL refused a value in a group commit; recording the group again without the events at fault",
                               metadata: ["error": "\(error)", "events": "\(group.count)"])
                isolating = true
            } catch where attempt < 3 && Self.isRetryable(error) {
                logger.notice("another lane or instance recorded the same event ids concurrently; retrying the commit",
                              metadata: ["error": "\(error)"])
                attempt += 1
            }
        }
    }

    /// Commits every submission of the group that PostgreSQL accepts, each half under a savepoint, splitting a half
    /// it refuses until the submissions at fault stand alone; they are answered `not_storable` and logged.
    static func commitIsolating(_ group: [EventSubmission], now: Date, retention: BoardRetention, on connection: PostgresConnection) throws -> CommitResult {
        var parts: [(offset: Int, result: CommitResult)] = []
        var refused: [Int: RallyError] = [:]
        func record(_ range: Range<Int>) throws {
            do {
                parts.append((range.lowerBound, try connection.savepoint { try commit(Array(group[range]), now: now, retention: retention, on: connection) }))
            } catch let error as PostgresError where error.isRefusedValue {
                if range.count == 1 { refused[range.lowerBound] = notStorable(group[range.lowerBound], error) } else { try split(range) }
            }
        }
        func split(_ range: Range<Int>) throws {
            let middle = range.lowerBound + range.count / 2
            try record(range.lowerBound..<middle)
            try record(middle..<range.upperBound)
        }
        // The whole group just failed: start from its halves.
        if group.count > 1 { try split(0..<group.count) } else { try record(0..<group.count) }
        return CommitResult(merging: parts, refused: refused, count: group.count)
    }

    private static func notStorable(_ submission: EventSubmission, _ error: PostgresError) -> RallyError {
        RallyError(.notStorable, "event '\(submission.event.id)' holds a value PostgreSQL could not store; nothing of it was recorded",
                   internalDetail: "program \(submission.program.id), event \(submission.event.id): \(error)")
    }

    /// Applies a commit's changes of standings to the boards in Redis and reads the ranks asked, one per query (nil
    /// when Redis cannot answer: the projection is then marked stale). Members whose changes arrived ahead of an
    /// earlier one are resynchronised from PostgreSQL.
    func project(_ updates: [(program: String, update: MemberBoardChanges)], rankQueries: [RankQuery]) async -> [Int?] {
        let members = updates.map { MemberRef(program: $0.program, id: $0.update.memberId) }
        guard !projectionIsStale else {
            recordMissed(members)
            return rankQueries.map { _ in nil }
        }
        do {
            let reply = try await leaderboards.apply(updates, ranks: rankQueries.map { ($0.program, $0.period, $0.points) })
            for (program, behind) in Dictionary(grouping: reply.behind, by: \.program) {
                logger.notice("standings arrived ahead of an earlier change; resynchronising them from PostgreSQL",
                              metadata: ["program": "\(program)", "members": "\(behind.count)"])
                await refresh(program: program, memberIds: behind.map(\.id))
            }
            return reply.ranks
        } catch {
            markProjectionStale(error, missing: members)
            return rankQueries.map { _ in nil }
        }
    }

    /// Notes members whose changes Redis did not receive; past `maximumMissed`, a full rebuild will be needed instead.
    func recordMissed(_ members: [MemberRef]) {
        guard !members.isEmpty else { return }
        missed.withLock { missed in
            guard var known = missed else { return }
            for member in members { known[member.program, default: []].insert(member.id) }
            missed = known.values.reduce(0) { $0 + $1.count } > Self.maximumMissed ? nil : known
        }
    }

    func markProjectionStale(_ error: any Error, missing members: [MemberRef] = []) {
        recordMissed(members)
        metrics.projectionFailures.increment()
        leaderboards.forgetCachedPages()
        let wasStale = staleSince.withLock { since in
            defer { since = since ?? ContinuousClock.now }
            return since != nil
        }
        if !wasStale {
            logger.warning("Redis projection failed; leaderboards will be brought back in line from PostgreSQL when Redis answers",
                           metadata: ["error": "\(error)"])
        }
    }

    /// A race on the same event id with another lane or instance: a short insert, a deadlock, a serialization failure.
    static func isRetryable(_ error: any Error) -> Bool {
        error is ConcurrentWriterRace || (error as? PostgresError)?.isTransactionConflict == true
    }

    // MARK: - The transaction

    /// Records a group of submissions in the current transaction: loads what deciding needs, decides (`GroupDecision`,
    /// no I/O), writes. Runs on a PostgreSQL thread.
    static func commit(_ submissions: [EventSubmission], now: Date, retention: BoardRetention, on connection: PostgresConnection) throws -> CommitResult {
        let snapshot = try loadSnapshot(submissions, on: connection)
        var decision = GroupDecision.decide(submissions, snapshot, now: now)

        if !decision.recorded.isEmpty, try connection.run(InsertEvents(rows: decision.recorded)).affectedRows != decision.recorded.count {
            throw ConcurrentWriterRace()
        }
        let changes = decision.changes
        let revisions = try changes.write(on: connection)
        let activity = newActivity(submissions, decision.outcomes, now: now)
        try activity.count(on: connection)
        if !decision.contents.isEmpty { try connection.run(InsertContentClaims(rows: decision.contents)) }
        let earned = try BadgeAwardRows.record(decision.recorded.flatMap { submission, award in
            award.badges.map { AwardToRecord(member: submission.memberRef, key: $0, eventId: submission.event.id) }
        }, now: now, on: connection)
        decision.show(earned, programs: snapshot.programs, submissions: submissions, now: now)
        let raised = try recordIntegrity(decision, now: now, on: connection)
        try WebhookStore.enqueue((notifications(earned, decision.recorded, programs: snapshot.programs, now: now)
                + raised.map { .memberFlagged($0.flag, program: $0.program, timeZone: snapshot.programs[$0.program]?.timeZone ?? .gmt) })
            .filter { snapshot.subscribed[$0.program]?.contains($0.type) == true }, on: connection)

        let awarded = decision.recorded.filter { $0.award.points != 0 && $0.award.status != .held }.map { ($0.submission, $0.award.points) }
        let (updates, backfilled) = standingsUpdates(awarded, revisions: revisions, members: snapshot.members, retention: retention, now: now)
        var result = CommitResult(outcomes: decision.outcomes, updates: updates, rankQueries: [],
                                  programsAwarded: changes.programsAwarded, programsArchived: backfilled.union(changes.programsWithCampaigns),
                                  activity: activity)
        result.flagsRaised = raised.map(\.flag.rule)
        try addMemberSummaries(to: &result, submissions: submissions, members: snapshot.members, now: now, on: connection)
        return result
    }

    /// Writes what the integrity rules keep of a group (who posted which content, the pair rule's counts) and the flags
    /// its events raised or added to; answers the flags raised.
    private static func recordIntegrity(_ decision: GroupDecision, now: Date, on connection: PostgresConnection) throws -> [(program: String, flag: IntegrityFlag)] {
        if !decision.posts.isEmpty { try connection.run(InsertPostedContent(rows: decision.posts)) }
        if !decision.engagements.isEmpty {
            var counts: [String: [EngagementKey: Int]] = [:]
            for (member, day, ownerId) in decision.engagements {
                counts[member.program, default: [:]][EngagementKey(day: day, memberId: member.id, ownerId: ownerId), default: 0] += 1
            }
            let rows = counts.flatMap { program, keys in keys.map { (program: program, key: $0.key, events: $0.value) } }
                .sorted { ($0.program, $0.key) < ($1.program, $1.key) }
            try connection.run(AddEngagements(rows: rows))
        }
        return try FlagRows(decision.flagged).write(now: now, on: connection)
    }

    /// The webhook notifications of a commit: each badge award it recorded, each level an event reached.
    private static func notifications(_ earned: [AwardToRecord], _ recorded: [(submission: EventSubmission, award: Award)],
                                      programs: [String: ProgramContext], now: Date) -> [WebhookNotification] {
        var notifications: [WebhookNotification] = []
        for award in earned {
            guard let program = programs[award.member.program] else { continue }
            notifications.append(.badgeAwarded(award, name: program.badgeName(award.key.badgeId), at: now, timeZone: program.timeZone))
        }
        for (submission, award) in recorded {
            if let level = award.levelReached { notifications.append(.levelReached(level, member: submission.memberRef, eventId: submission.event.id)) }
        }
        return notifications
    }

    /// What the group's decision needs, read in the transaction that writes it: the members (their rows locked first,
    /// in one order, in programs where an event depends on its member's history), the programs' rules and badges (read
    /// again when another instance changed them since this one cached them), stored events with the group's ids, and the
    /// history of the members whose events need it.
    private static func loadSnapshot(_ submissions: [EventSubmission], on connection: PostgresConnection) throws -> GroupSnapshot {
        var programs: [String: ProgramContext] = [:]
        for submission in submissions { programs[submission.program.id] = submission.program }
        func needs() -> [MemberRef: HistoryNeed] {
            var needs: [MemberRef: HistoryNeed] = [:]
            for submission in submissions {
                guard let program = programs[submission.program.id] else { continue }
                var need = needs[submission.memberRef] ?? HistoryNeed()
                need.add(submission.event, ruleset: program.rules.inForce(at: submission.event.occurredAt), badges: program.badges,
                         calendar: program.calendar)
                if !need.isEmpty { needs[submission.memberRef] = need }
            }
            return needs
        }
        var history = needs()
        // Integrity rules read the member's recent events: theirs are written by one writer at a time too.
        let locked = Set(history.keys.map(\.program)).union(programs.values.filter { !$0.settings.integrity.isEmpty }.map(\.id))
        let (members, versions) = try loadMembers(Set(submissions.map(\.memberRef)), locking: locked, on: connection)
        var changed = false
        for (id, version) in versions {
            guard let program = programs[id], program.rules.latest.version != version.rules || program.badgesVersion != version.badges else { continue }
            programs[id] = try reloadProgram(program, on: connection)
            changed = true
        }
        if changed {
            history = needs()
            // Rules or badges this instance had not seen may need the history of members whose rows were not locked.
            try lockMembers(Set(history.keys.filter { !locked.contains($0.program) }), on: connection)
        }
        var states = try loadStates(history, programs: programs, on: connection)
        for (ref, member) in members { states[ref, default: ScoringState()].lifetimePoints = member.lifetimePoints }
        return GroupSnapshot(members: members, stored: try loadEvents(Array(Set(submissions.map(\.eventRef))), on: connection),
                             programs: programs, states: states, subscribed: versions.mapValues(\.subscribed),
                             integrity: try loadIntegrity(submissions, programs: programs, on: connection))
    }

    /// What each ranked member's boards gain from this commit: every tracked period of each award whose board Redis
    /// keeps, in every scope the member stands in, summed.
    /// Also the programs with awards in periods Redis no longer keeps (backfilled events), whose boards are read from
    /// PostgreSQL.
    static func standingsUpdates(_ awarded: [(EventSubmission, Int)], revisions: [MemberRef: Int64],
                                         members: [MemberRef: MemberSnapshot], retention: BoardRetention,
                                         now: Date) -> (updates: [(program: String, update: MemberBoardChanges)], backfilled: Set<String>) {
        // Each member's periods in the order first reached, with the points the period's boards gain.
        var deltas: [MemberRef: (periods: [String], points: [String: Int64])] = [:]
        var backfilled: Set<String> = []
        for (submission, points) in awarded {
            let scopes = members[submission.memberRef]?.scopes ?? []
            let calendar = submission.program.calendar
            let today = calendar.localDate(of: now)
            for period in calendar.trackedPeriods(containing: submission.event.occurredAt) {
                guard retention.keeps(period.kind, startingOn: period.start.map(calendar.localDate), today: today) else {
                    backfilled.insert(submission.program.id)
                    continue
                }
                guard !scopes.isEmpty else { continue }
                var member = deltas[submission.memberRef] ?? ([], [:])
                if member.points[period.key] == nil { member.periods.append(period.key) }
                member.points[period.key, default: 0] += Int64(points)
                deltas[submission.memberRef] = member
            }
        }
        let updates = revisions.filter { members[$0.key]?.isRanked == true }
            .sorted { ($0.key.program, $0.key.id) < ($1.key.program, $1.key.id) }
            .map { ref, revision in
                let member = deltas[ref] ?? ([], [:])
                return (ref.program, MemberBoardChanges(memberId: ref.id, revision: revision, scopes: members[ref]?.scopes ?? [],
                                                     periods: member.periods.map { ($0, member.points[$0] ?? 0) }))
            }
        return (updates, backfilled)
    }

    /// Fills in each answered member's current week, month and all-time points, and the ranks to ask Redis for.
    private static func addMemberSummaries(to result: inout CommitResult, submissions: [EventSubmission],
                                           members: [MemberRef: MemberSnapshot], now: Date, on connection: PostgresConnection) throws {
        var answered: [MemberRef: [Int]] = [:]
        var programs: [String: ProgramContext] = [:]
        for (index, outcome) in result.outcomes.enumerated() {
            if case .rejected = outcome { continue }
            answered[submissions[index].memberRef, default: []].append(index)
            programs[submissions[index].program.id] = submissions[index].program
        }
        let summaries = try memberSummaries(Array(answered.keys), programs: programs, members: members, now: now, on: connection)
        for (ref, indices) in answered {
            guard let (summary, ranks) = summaries[ref] else { continue }
            for index in indices { result.outcomes[index].updateResult { $0.member = summary } }
            result.rankQueries += ranks.map { RankQuery(submissions: indices, program: ref.program, memberId: ref.id, slot: $0.slot, period: $0.period, points: $0.points) }
        }
    }

    /// Each member's current week, month and all-time points (ranks unknown yet) and, for members on boards, the ranks
    /// an answer shows: the board of each, and the points to rank there.
    static func memberSummaries(_ refs: [MemberRef], programs: [String: ProgramContext], members: [MemberRef: MemberSnapshot], now: Date,
                                on connection: PostgresConnection) throws
        -> [MemberRef: (summary: MemberAfterEvent, ranks: [(slot: PeriodRanks.Slot, period: Period, points: Int64)])]
    {
        var answers: [MemberRef: (summary: MemberAfterEvent, ranks: [(slot: PeriodRanks.Slot, period: Period, points: Int64)])] = [:]
        for (programId, refs) in Dictionary(grouping: refs, by: \.program) {
            guard let program = programs[programId] else { continue }
            let summaries = try MemberTotals.summaries(program: program, memberIds: refs.map(\.id), now: now, on: connection)
            let week = program.calendar.period(.week, containing: now), month = program.calendar.period(.month, containing: now)
            for ref in refs {
                let totals = summaries[ref.id] ?? MemberTotals.Summary()
                let summary = MemberAfterEvent(points: PeriodPoints(lifetime: totals.lifetime ?? 0, week: totals.week ?? 0, month: totals.month ?? 0),
                                            ranks: MemberAfterEvent.unknown.ranks)
                var ranks: [(slot: PeriodRanks.Slot, period: Period, points: Int64)] = []
                if members[ref]?.isRanked == true {
                    for case let (slot, period, points?) in [(PeriodRanks.Slot.week, week, totals.week), (.month, month, totals.month),
                                                             (.all, Period.allTime, totals.lifetime)] {
                        ranks.append((slot, period, points))
                    }
                }
                answers[ref] = (summary, ranks)
            }
        }
        return answers
    }

    /// The programs where the rules scored an event, and the local days already over such events fell on, per program.
    static func newActivity(_ submissions: [EventSubmission], _ outcomes: [EventOutcome], now: Date) -> ActivityChange {
        var changed: Set<String> = []
        var past: [String: Set<CivilDate>] = [:]
        var today: [String: Int] = [:]
        for (submission, outcome) in zip(submissions, outcomes) {
            guard case let .created(result) = outcome, result.status.isScored else { continue }
            let program = submission.program
            changed.insert(program.id)
            let day = program.calendar.localDate(of: submission.event.occurredAt)
            let current = today[program.id] ?? program.calendar.localDate(of: now).daysSinceEpoch
            today[program.id] = current
            if day.daysSinceEpoch < current { past[program.id, default: []].insert(day) }
        }
        return ActivityChange(programs: changed, pastDays: past)
    }
}
