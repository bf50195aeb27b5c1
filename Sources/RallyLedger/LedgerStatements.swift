import Foundation
import Postgres
import RallyCore
import RallyStorage

// The statements that write members' points and activity (`LedgerChanges.write`), each one type whose column list
// writes both its SQL and its bindings.

/// Ledger entries: awards and reversals.
struct InsertLedgerEntries: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<LedgerEntryRow>([
        .text("program_id") { $0.member.program }, .text("member_id") { $0.member.id }, .text("event_id") { $0.eventId },
        .text("kind") { $0.kind.rawValue }, .text("action") { $0.action }, .int("points") { $0.points },
        .timestamp("occurred_at") { $0.occurredAt }, .timestamp("recorded_at") { $0.recordedAt },
    ])
    static let sql = "INSERT INTO ledger (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest())"

    var rows: [LedgerEntryRow]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}

/// Points added to members' local days (one row per member and day).
struct AddToMemberDays: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<DayPointsRow>([
        .text("program_id") { $0.member.program }, .text("member_id") { $0.member.id }, .date("day") { $0.day },
        .bigint("points") { $0.change.points }, .timestamp("reached_at") { $0.change.reachedAt },
    ])
    static let sql = """
        INSERT INTO member_days AS d (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest())
        ON CONFLICT (program_id, member_id, day)
        DO UPDATE SET points = d.points + EXCLUDED.points, reached_at = greatest(d.reached_at, EXCLUDED.reached_at)
        """

    var rows: [DayPointsRow]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}

/// Points added to members' lifetime totals, one more revision per member; answers the new revisions.
struct AddToMemberTotals: PostgresQuery {
    static let isPrepared = true
    typealias Row = (member: MemberRef, revision: Int64)
    static let columns = PostgresColumns<(member: MemberRef, change: PointsChange)>([
        .text("program_id") { $0.member.program }, .text("member_id") { $0.member.id }, .bigint("points") { $0.change.points },
        .timestamp("reached_at") { $0.change.reachedAt },
    ])
    static let sql = """
        INSERT INTO member_totals AS t (\(columns.names), revision) SELECT \(columns.values), 1 FROM \(columns.unnest())
        ON CONFLICT (program_id, member_id)
        DO UPDATE SET points = t.points + EXCLUDED.points, revision = t.revision + 1, reached_at = greatest(t.reached_at, EXCLUDED.reached_at)
        RETURNING program_id, member_id, revision
        """

    var rows: [(member: MemberRef, change: PointsChange)]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }

    static func decode(_ row: PostgresRow) throws -> Row {
        (MemberRef(program: try row.string("program_id"), id: try row.string("member_id")), try row.int64("revision"))
    }
}

/// Activity added to members' days per action.
struct AddToMemberActivity: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<(key: ActivityRowKey, activity: Activity)>([
        .text("program_id") { $0.key.member.program }, .text("member_id") { $0.key.member.id }, .date("day") { $0.key.day },
        .text("action") { $0.key.action }, .int("events") { $0.activity.events }, .int("earning") { $0.activity.earning },
        .bigint("points") { $0.activity.points },
    ])
    static let sql = """
        INSERT INTO member_activity AS a (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest())
        ON CONFLICT (program_id, member_id, day, action)
        DO UPDATE SET events = a.events + EXCLUDED.events, earning = a.earning + EXCLUDED.earning, points = a.points + EXCLUDED.points
        """

    var rows: [(key: ActivityRowKey, activity: Activity)]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}

/// Activity added to members' lifetime figures per action (`day`: the first day of the activity added).
struct AddToActionTotals: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<(key: ActivityRowKey, activity: Activity)>([
        .text("program_id") { $0.key.member.program }, .text("member_id") { $0.key.member.id }, .text("action") { $0.key.action },
        .date("first_day") { $0.key.day }, .int("events") { $0.activity.events }, .int("earning") { $0.activity.earning },
        .bigint("points") { $0.activity.points },
    ])
    static let sql = """
        INSERT INTO member_action_totals AS t (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest())
        ON CONFLICT (program_id, member_id, action)
        DO UPDATE SET events = t.events + EXCLUDED.events, earning = t.earning + EXCLUDED.earning, points = t.points + EXCLUDED.points,
                      first_day = least(t.first_day, EXCLUDED.first_day)
        """

    var rows: [(key: ActivityRowKey, activity: Activity)]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}

/// Points campaigns gave, per member, campaign and local day.
struct AddToCampaignDays: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<(key: CampaignDayKey, change: PointsChange)>([
        .text("program_id") { $0.key.member.program }, .text("member_id") { $0.key.member.id }, .text("campaign_id") { $0.key.campaign },
        .date("day") { $0.key.day }, .bigint("points") { $0.change.points }, .timestamp("reached_at") { $0.change.reachedAt },
    ])
    static let sql = """
        INSERT INTO member_campaign_days AS d (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest())
        ON CONFLICT (program_id, member_id, campaign_id, day)
        DO UPDATE SET points = d.points + EXCLUDED.points, reached_at = greatest(d.reached_at, EXCLUDED.reached_at)
        """

    var rows: [(key: CampaignDayKey, change: PointsChange)]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}

/// New events with their awards; another writer's event of the same id is left as it is (`ON CONFLICT DO NOTHING`: the
/// caller compares the rows inserted with the rows given).
struct InsertEvents: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<(submission: EventSubmission, award: Award)>([
        .text("program_id") { $0.submission.program.id }, .text("event_id") { $0.submission.event.id },
        .text("member_id") { $0.submission.event.memberId }, .text("action") { $0.submission.event.action },
        .text("network") { $0.submission.event.network }, .text("content_id") { $0.submission.event.contentId },
        .timestamp("occurred_at") { $0.submission.event.occurredAt }, .jsonb("tags") { JSONText.strings($0.submission.event.tags) },
        .text("status") { $0.award.status.rawValue }, .int("points") { $0.award.points },
        .jsonb("breakdown") { JSONText.breakdown($0.award.breakdown) }, .timestamp("received_at") { $0.submission.receivedAt },
        .int("rules_version") { $0.award.rulesVersion }, .text("campaign_id") { $0.award.campaign },
        .jsonb("level_reached") { $0.award.levelReached.map(BadgeAwardRows.text) },
    ])
    static let sql = """
        INSERT INTO events (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest())
        ON CONFLICT (program_id, event_id) DO NOTHING
        """

    var rows: [(submission: EventSubmission, award: Award)]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}

/// The content once-per-content awards claimed.
struct InsertContentClaims: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<(member: MemberRef, content: ContentKey, eventId: String)>([
        .text("program_id") { $0.member.program }, .text("member_id") { $0.member.id }, .text("action") { $0.content.action },
        .text("content_id") { $0.content.contentId }, .text("event_id") { $0.eventId },
    ])
    static let sql = "INSERT INTO content_awards (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest())"

    var rows: [(member: MemberRef, content: ContentKey, eventId: String)]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}

/// Frees the content retracted events claimed.
struct ReleaseContentClaims: PostgresStatement {
    static let sql = "DELETE FROM content_awards WHERE program_id = $1 AND member_id = $2 AND event_id = ANY($3::text[])"

    var member: MemberRef
    var eventIds: [String]
    var bindings: [any PostgresBindable] { [member.program, member.id, eventIds] }
}

/// Badge awards, each at most once per member (another writer, the retroactive pass or a period's close may have given
/// it first); answers those this statement recorded.
struct RecordAwards: PostgresQuery {
    static let isPrepared = true
    typealias Row = (member: MemberRef, key: BadgeAwardKey)
    static let columns = PostgresColumns<AwardToRecord>([
        .text("program_id") { $0.member.program }, .text("member_id") { $0.member.id }, .text("badge_id") { $0.key.badgeId },
        .text("tier") { $0.key.tier ?? "" }, .text("period_key") { $0.key.period ?? "" }, .text("event_id") { $0.eventId },
    ])
    static let sql = """
        INSERT INTO member_badges (\(columns.names), awarded_at)
        SELECT \(columns.values), to_timestamp($\(columns.columns.count + 1)::float8) FROM \(columns.unnest())
        ON CONFLICT DO NOTHING
        RETURNING program_id, member_id, badge_id, tier, period_key AS period
        """

    var awards: [AwardToRecord]
    var now: Date
    var bindings: [any PostgresBindable] { Self.columns.bindings(awards) + [now] }

    static func decode(_ row: PostgresRow) throws -> Row {
        (MemberRef(program: try row.string("program_id"), id: try row.string("member_id")), try BadgeAwardKey(row))
    }
}

/// A delivery per subscribed webhook of each notification, in the transaction that makes what it announces.
struct EnqueueNotifications: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<WebhookNotification>([
        .text("program_id") { $0.program }, .text("type") { $0.type.rawValue }, .jsonb("data") { $0.data.text },
    ])
    static let sql = """
        INSERT INTO webhook_deliveries (program_id, webhook_id, type, data, next_attempt_at)
        SELECT w.program_id, w.webhook_id, u.type, u.data, now()
        FROM \(columns.unnest(ordinality: "position"))
        JOIN webhooks w ON w.program_id = u.program_id AND u.type = ANY(w.events) AND w.deleted_at IS NULL
        ORDER BY u.position, w.webhook_id
        """

    var notifications: [WebhookNotification]
    var bindings: [any PostgresBindable] { Self.columns.bindings(notifications) }
}
