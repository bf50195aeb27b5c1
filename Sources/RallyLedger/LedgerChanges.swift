import Foundation
import Postgres
import RallyCore
import RallyStorage

/// What a lane job changes in members' points and activity, decided without I/O (`GroupDecision`, `RetractionDecision`)
/// and written by `write(on:)` with one statement per table (`LedgerStatements`), whole columns as array parameters and
/// rows in one order, so that writers locking the same rows never deadlock. A retraction is the same changes with the
/// signs turned: a reversal entry, points and activity taken back.
struct LedgerChanges {
    var entries: [LedgerEntryRow] = []
    var days: [MemberRef: [String: PointsChange]] = [:]
    var totals: [MemberRef: PointsChange] = [:]
    var campaignDays: [CampaignDayKey: PointsChange] = [:]
    var activity: [ActivityRowKey: Activity] = [:]

    /// Adds an event's points (`sign` -1: takes them back) to its member's ledger, day, lifetime total and campaign,
    /// reached at `reachedAt`, and its activity when the rules scored it.
    mutating func add(_ event: Event, of program: ProgramContext, award: Award, campaign: String?, kind: LedgerKind,
                      reachedAt: Date, sign: Int = 1) {
        let member = MemberRef(program: program.id, id: event.memberId)
        let day = program.calendar.period(.day, containing: event.occurredAt).key
        let points = sign * award.points
        if points != 0 {
            entries.append(LedgerEntryRow(member: member, eventId: event.id, kind: kind, action: event.action, points: points,
                                          occurredAt: event.occurredAt, recordedAt: reachedAt))
            days[member, default: [:]][day, default: PointsChange()].add(points, reachedAt: reachedAt)
            totals[member, default: PointsChange()].add(points, reachedAt: reachedAt)
            if let campaign {
                campaignDays[CampaignDayKey(member: member, campaign: campaign, day: day), default: PointsChange()].add(points, reachedAt: reachedAt)
            }
        }
        if award.status.isScored {
            activity[ActivityRowKey(member: member, day: day, action: event.action), default: Activity()].add(.event(points: award.points, sign: sign))
        }
    }

    /// Adds another decision's changes to these.
    mutating func merge(_ other: LedgerChanges) {
        entries += other.entries
        for (member, days) in other.days {
            for (day, change) in days { self.days[member, default: [:]][day, default: PointsChange()].add(change) }
        }
        totals.merge(other.totals) { var sum = $0; sum.add($1); return sum }
        campaignDays.merge(other.campaignDays) { var sum = $0; sum.add($1); return sum }
        activity.merge(other.activity) { var sum = $0; sum.add($1); return sum }
    }

    /// The programs whose members' points changed.
    var programsAwarded: Set<String> { Set(totals.keys.map(\.program)) }

    /// The programs with campaign points changed (their boards are read from PostgreSQL).
    var programsWithCampaigns: Set<String> { Set(campaignDays.keys.map(\.member.program)) }

    /// Writes the changes; returns the new revision of each member whose total changed.
    func write(on connection: PostgresConnection) throws -> [MemberRef: Int64] {
        if !entries.isEmpty { try connection.run(InsertLedgerEntries(rows: entries)) }
        let dayRows = days.flatMap { member, days in days.map { DayPointsRow(member: member, day: $0.key, change: $0.value) } }
            .sorted { ($0.member.program, $0.member.id, $0.day) < ($1.member.program, $1.member.id, $1.day) }
        if !dayRows.isEmpty { try connection.run(AddToMemberDays(rows: dayRows)) }
        var revisions: [MemberRef: Int64] = [:]
        let totalRows = totals.map { (member: $0.key, change: $0.value) }.sorted { ($0.member.program, $0.member.id) < ($1.member.program, $1.member.id) }
        if !totalRows.isEmpty {
            for revision in try connection.rows(AddToMemberTotals(rows: totalRows)) { revisions[revision.member] = revision.revision }
        }
        let activityRows = activity.map { (key: $0.key, activity: $0.value) }.sorted { $0.key < $1.key }
        if !activityRows.isEmpty {
            try connection.run(AddToMemberActivity(rows: activityRows))
            // The same per action, ever, with the first day.
            var lifetime: [ActivityRowKey: (activity: Activity, firstDay: String)] = [:]
            for (key, activity) in activityRows {
                let ever = ActivityRowKey(member: key.member, day: "", action: key.action)
                var total = lifetime[ever] ?? (Activity(), key.day)
                total.activity.add(activity)
                total.firstDay = min(total.firstDay, key.day)
                lifetime[ever] = total
            }
            try connection.run(AddToActionTotals(rows: lifetime.sorted { $0.key < $1.key }.map {
                (key: ActivityRowKey(member: $0.key.member, day: $0.value.firstDay, action: $0.key.action), activity: $0.value.activity)
            }))
        }
        let campaignRows = campaignDays.map { (key: $0.key, change: $0.value) }.sorted { $0.key < $1.key }
        if !campaignRows.isEmpty { try connection.run(AddToCampaignDays(rows: campaignRows)) }
        return revisions
    }
}

/// Points added to a member's day, campaign day or lifetime total, and when the last of them was reached.
struct PointsChange {
    var points: Int64 = 0
    var reachedAt: Date = .distantPast

    mutating func add(_ points: Int, reachedAt: Date) {
        self.points += Int64(points)
        self.reachedAt = max(self.reachedAt, reachedAt)
    }

    mutating func add(_ other: PointsChange) {
        points += other.points
        reachedAt = max(reachedAt, other.reachedAt)
    }
}

enum LedgerKind: String {
    case award, reversal
}

/// One entry of the `ledger` table.
struct LedgerEntryRow {
    var member: MemberRef
    var eventId: String
    var kind: LedgerKind
    var action: String
    var points: Int
    var occurredAt: Date
    var recordedAt: Date
}

/// A member's points on one local day (`YYYY-MM-DD`).
struct DayPointsRow {
    var member: MemberRef
    var day: String
    var change: PointsChange
}

/// A member's activity on one local day in one action (`day` empty: ever).
struct ActivityRowKey: Hashable, Comparable {
    var member: MemberRef
    var day: String
    var action: String

    static func < (a: Self, b: Self) -> Bool {
        (a.member.program, a.member.id, a.day, a.action) < (b.member.program, b.member.id, b.day, b.action)
    }
}

/// A member's points from one campaign on one local day.
struct CampaignDayKey: Hashable, Comparable {
    var member: MemberRef
    var campaign: String
    var day: String

    static func < (a: Self, b: Self) -> Bool {
        (a.member.program, a.member.id, a.campaign, a.day) < (b.member.program, b.member.id, b.campaign, b.day)
    }
}
