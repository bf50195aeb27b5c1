import Foundation
import RallyCore
import RallyStorage

/// What a group commit reads before deciding anything, in the transaction that then writes.
struct GroupSnapshot {
    /// The members of the group's events (locked when their scoring needs their history).
    var members: [MemberRef: MemberSnapshot]
    /// Events already stored under the group's ids.
    var stored: [EventRef: StoredEvent]
    /// Each program as PostgreSQL holds its rules and badges in this transaction.
    var programs: [String: ProgramContext]
    /// The history of the members whose events need it (`HistoryNeed`), and every member's lifetime points.
    var states: [MemberRef: ScoringState]
    /// Per program, the notification types its webhooks subscribe to.
    var subscribed: [String: Set<WebhookEventType>]
    /// Per program with integrity rules, what they know of its members before the group.
    var integrity: [String: IntegrityHistory] = [:]
}

/// An integrity rule a new event broke, and the points that rule holds (0 when it flags only, or the event was not scored).
struct FlaggedEvent {
    var member: MemberRef
    var eventId: String
    var finding: IntegrityFinding
    var heldPoints: Int
}

/// The middle of a group commit, with no I/O: from the snapshot, each submission's outcome, every new event's award,
/// and the content that once-per-content awards claim. A member's events are scored in the group's order, each on the
/// state the previous ones left; a repeated id is the same event (its first occurrence decides, the others answer
/// like retries of it). An event that breaks an integrity rule is flagged; when the rule holds, it is scored on a copy
/// of its member's state and recorded `held` with those points, its member's state left as it was.
struct GroupDecision {
    var outcomes: [EventOutcome]
    /// New events with their awards, in group order.
    var recorded: [(submission: EventSubmission, award: Award)]
    /// Content claimed by awards of once-per-content actions.
    var contents: [(member: MemberRef, content: ContentKey, eventId: String)]
    /// The rules new events broke.
    var flagged: [FlaggedEvent] = []
    /// New posts naming a content: who posted it.
    var posts: [(member: MemberRef, contentId: String, eventId: String)] = []
    /// Likes and comments the pair rule counts: the member, the local day and the member whose content it was.
    var engagements: [(member: MemberRef, day: String, ownerId: String)] = []

    static func decide(_ submissions: [EventSubmission], _ snapshot: GroupSnapshot, now: Date) -> GroupDecision {
        var primaryOf: [EventRef: Int] = [:]
        var outcomes = [EventOutcome?](repeating: nil, count: submissions.count)
        var decision = GroupDecision(outcomes: [], recorded: [], contents: [])
        var states = snapshot.states
        var integrity = snapshot.integrity
        for (index, submission) in submissions.enumerated() {
            let ref = submission.eventRef
            if let primary = primaryOf[ref] {
                outcomes[index] = follow(submissions[primary], outcomes[primary], with: submission)
                continue
            }
            primaryOf[ref] = index
            if let original = snapshot.stored[ref] {
                outcomes[index] = original.event.hasSamePayload(as: submission.event)
                    ? .duplicate(original.result(member: .unknown)) : .rejected(conflict(submission.event.id))
                continue
            }
            guard let member = snapshot.members[submission.memberRef] else {
                outcomes[index] = .rejected(unknownMember(submission))
                continue
            }
            let program = snapshot.programs[submission.program.id] ?? submission.program
            let ruleset = program.rules.inForce(at: submission.event.occurredAt)
            let findings = decision.checkIntegrity(submission, program: program, history: &integrity[program.id])
            var state = states[submission.memberRef] ?? ScoringState()
            let before = state
            var award = ruleset.score(submission.event, member: MemberEnrolment(enrolled: member.enrolled), calendar: program.calendar, state: &state)
            if award.status.isScored, findings.contains(where: \.hold) {
                award.status = .held
                state = before
            } else if award.status.isScored {
                award.badges = Badge.awards(program.badges, after: submission.event.action,
                                            on: program.calendar.localDate(of: submission.event.occurredAt), state: &state)
            }
            // Levels are those of the rules in force now, as the profile shows them.
            award.levelReached = program.rules.inForce(at: now).levelReached(from: before.lifetimePoints, to: state.lifetimePoints)
            states[submission.memberRef] = state
            decision.recorded.append((submission, award))
            decision.flagged += findings.map { FlaggedEvent(member: submission.memberRef, eventId: submission.event.id, finding: $0,
                                                             heldPoints: $0.hold && award.status == .held ? award.points : 0) }
            if award.status != .held, award.points > 0, ruleset.actions[submission.event.action]?.oncePerContent == true,
               let contentId = submission.event.contentId {
                decision.contents.append((submission.memberRef, ContentKey(action: submission.event.action, contentId: contentId), submission.event.id))
            }
            outcomes[index] = .created(EventResult(eventId: submission.event.id, status: award.status, points: award.points,
                                                   breakdown: award.breakdown, rulesVersion: award.rulesVersion,
                                                   levelReached: award.levelReached, member: .unknown))
        }
        decision.outcomes = outcomes.map { $0 ?? .rejected(RallyError(.internalError, "event was not processed")) }
        return decision
    }

    /// What the new events add to their members' ledger, days, totals, campaigns and activity (a held event nothing).
    var changes: LedgerChanges {
        var changes = LedgerChanges()
        for (submission, award) in recorded where award.status != .held {
            changes.add(submission.event, of: submission.program, award: award, campaign: award.campaign, kind: .award, reachedAt: submission.receivedAt)
        }
        return changes
    }

    /// Checks a new event against its program's integrity rules (none: nothing found) and notes the post or the
    /// engagement it records for the rules to come.
    private mutating func checkIntegrity(_ submission: EventSubmission, program: ProgramContext, history: inout IntegrityHistory?) -> [IntegrityFinding] {
        let event = submission.event
        if event.action == IntegrityRules.postAction, let contentId = event.contentId {
            posts.append((submission.memberRef, contentId, event.id))
        }
        let rules = program.settings.integrity
        guard !rules.isEmpty else { return [] }
        var known = history ?? IntegrityHistory()
        defer { history = known }
        let day = PeriodCalendar.dayKey(program.calendar.localDate(of: event.occurredAt))
        let checked = rules.check(event, day: day, history: &known)
        if let owner = checked.engagedMember { engagements.append((submission.memberRef, day, owner)) }
        return checked.findings
    }

    /// Shows in the answers the badge awards this commit recorded (an award another writer recorded first is its).
    mutating func show(_ recorded: [AwardToRecord], programs: [String: ProgramContext], submissions: [EventSubmission], now: Date) {
        guard !recorded.isEmpty else { return }
        var byEvent: [EventRef: [EarnedBadge]] = [:]
        for award in recorded {
            guard let eventId = award.eventId else { continue }
            let name = programs[award.member.program]?.badgeName(award.key.badgeId) ?? award.key.badgeId
            byEvent[EventRef(program: award.member.program, id: eventId), default: []].append(
                EarnedBadge(badgeId: award.key.badgeId, tier: award.key.tier, name: name, awardedAt: now, eventId: eventId, period: nil))
        }
        for index in outcomes.indices {
            guard let badges = byEvent[submissions[index].eventRef] else { continue }
            outcomes[index].updateResult { $0.badgesAwarded = badges }
        }
    }

    /// A repeated id in one group answers like a retry of its first occurrence.
    private static func follow(_ primary: EventSubmission, _ outcome: EventOutcome?, with submission: EventSubmission) -> EventOutcome? {
        switch outcome {
        case let .created(result), let .duplicate(result):
            submission.event.hasSamePayload(as: primary.event) ? .duplicate(result) : .rejected(conflict(submission.event.id))
        case let .rejected(error):
            .rejected(error)
        case nil:
            nil
        }
    }

    private static func unknownMember(_ submission: EventSubmission) -> RallyError {
        let program = submission.program.id
        let member = submission.event.memberId
        return RallyError(.unknownMember,
                          "member '\(member)' does not exist in program '\(program)'; create it with PUT /v1/programs/\(program)/members/\(member) first",
                          details: [FieldProblem(field: "memberId", problem: "unknown member")])
    }

    private static func conflict(_ eventId: String) -> RallyError {
        RallyError(.eventConflict, "event '\(eventId)' was already recorded with a different payload",
                   details: [FieldProblem(field: "id", problem: "reused with a different payload")])
    }
}
