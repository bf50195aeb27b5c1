import Foundation
import Postgres
import RallyCore
import RallyStorage

/// What a group commit reads and writes for the integrity rules (`IntegrityRules`, RallyCore).
extension EventWriter {
    /// What the rules of each program of the group that has some know before it (`IntegrityHistory`): the instants of
    /// its members' recorded events within a minute of their new ones (the burst rule), who posted first each content
    /// the group names and whether its posters posted it before, and the likes and comments already counted between the
    /// pairs it may count (the pair rule).
    static func loadIntegrity(_ submissions: [EventSubmission], programs: [String: ProgramContext],
                              on connection: PostgresConnection) throws -> [String: IntegrityHistory] {
        var histories: [String: IntegrityHistory] = [:]
        for (programId, group) in Dictionary(grouping: submissions, by: \.program.id).sorted(by: { $0.key < $1.key }) {
            guard let program = programs[programId], !program.settings.integrity.isEmpty else { continue }
            let rules = program.settings.integrity
            var times: [String: [Date]] = [:]
            if rules.readsTimes {
                let windows = MemberWindows(group.map { ($0.event.memberId, $0.event.occurredAt) }, around: IntegrityHistory.minute)
                for row in try connection.rows(LoadRecentInstants(program: programId, windows: windows.windows)) {
                    times[row.memberId, default: []] += repeatElement(row.instant, count: row.events)
                }
            }
            var posters: [String: [IntegrityHistory.Poster]] = [:]
            var pairs: [MemberPair: Int] = [:]
            if rules.readsPosters {
                // Each content's first poster (its owner), then the group's posters' own earlier posts of it (repeats).
                let contents = Set(group.compactMap(\.event.contentId)).sorted()
                for row in try connection.rows(LoadContentOwners(program: programId, contentIds: contents)) {
                    posters[row.contentId] = [row.poster]
                }
                let reposts = Set(group.filter { $0.event.action == IntegrityRules.postAction }
                    .compactMap { submission in submission.event.contentId.map { ContentPoster(contentId: $0, memberId: submission.event.memberId) } })
                    .filter { posters[$0.contentId]?.first?.memberId != $0.memberId }
                if !reposts.isEmpty {
                    for row in try connection.rows(LoadEarlierPosts(program: programId, posts: reposts.sorted())) {
                        posters[row.contentId, default: []].append(row.poster)
                    }
                }
                if rules.settings[.pairPerDay] != nil {
                    pairs = try loadPairs(group, owners: posters.compactMapValues(\.first?.memberId), program: program, on: connection)
                }
            }
            histories[programId] = IntegrityHistory(times: times, posters: posters, pairs: pairs)
        }
        return histories
    }

    /// The likes and comments counted so far, both ways, between each member of the group who engages with content and
    /// its owner (its first poster recorded, or else its first poster in the group), on the event's local day.
    private static func loadPairs(_ group: [EventSubmission], owners recorded: [String: String], program: ProgramContext,
                                  on connection: PostgresConnection) throws -> [MemberPair: Int] {
        var owners = recorded
        for submission in group where submission.event.action == IntegrityRules.postAction {
            if let contentId = submission.event.contentId, owners[contentId] == nil { owners[contentId] = submission.event.memberId }
        }
        var wanted: Set<EngagementKey> = []
        for submission in group where IntegrityRules.engagementActions.contains(submission.event.action) {
            guard let contentId = submission.event.contentId, let owner = owners[contentId], owner != submission.event.memberId else { continue }
            let day = PeriodCalendar.dayKey(program.calendar.localDate(of: submission.event.occurredAt))
            wanted.insert(EngagementKey(day: day, memberId: submission.event.memberId, ownerId: owner))
            wanted.insert(EngagementKey(day: day, memberId: owner, ownerId: submission.event.memberId))
        }
        guard !wanted.isEmpty else { return [:] }
        var pairs: [MemberPair: Int] = [:]
        for row in try connection.rows(LoadEngagements(program: program.id, keys: wanted.sorted())) {
            pairs[MemberPair(day: row.key.day, row.key.memberId, row.key.ownerId), default: 0] += row.events
        }
        return pairs
    }
}

/// Each member's stretches of time to read events in: a window around each instant, overlapping ones merged.
struct MemberWindows {
    var windows: [(memberId: String, from: Date, to: Date)] = []

    init(_ instants: [(memberId: String, instant: Date)], around margin: TimeInterval) {
        for (memberId, group) in Dictionary(grouping: instants, by: \.memberId).sorted(by: { $0.key < $1.key }) {
            for instant in group.map(\.instant).sorted() {
                let from = instant.addingTimeInterval(-margin), to = instant.addingTimeInterval(margin)
                if let last = windows.last, last.memberId == memberId, from <= last.to {
                    windows[windows.count - 1].to = max(last.to, to)
                } else {
                    windows.append((memberId, from, to))
                }
            }
        }
    }
}

/// The instants of members' recorded events in the given windows (retracted ones too: the rules count what members
/// did, as they count the posts and pairs of retracted events), with how many events each instant holds.
struct LoadRecentInstants: PostgresQuery {
    static let isPrepared = true
    static let columns = PostgresColumns<(memberId: String, from: Date, to: Date)>([
        .text("member_id") { $0.memberId }, .timestamp("from_at") { $0.from }, .timestamp("to_at") { $0.to },
    ])
    static let sql = """
        SELECT e.member_id, extract(epoch FROM e.occurred_at) AS occurred_at, count(*) AS events FROM \(columns.unnest(from: 2, as: "w"))
        JOIN events e ON e.program_id = $1 AND e.member_id = w.member_id
                     AND e.occurred_at > to_timestamp(w.from_at) AND e.occurred_at < to_timestamp(w.to_at)
        GROUP BY e.member_id, e.occurred_at
        """

    var program: String
    var windows: [(memberId: String, from: Date, to: Date)]
    var bindings: [any PostgresBindable] { [program] + Self.columns.bindings(windows) }

    static func decode(_ row: PostgresRow) throws -> (memberId: String, instant: Date, events: Int) {
        (try row.string("member_id"), Date(timeIntervalSince1970: try row.double("occurred_at")), try row.int("events"))
    }
}

/// A member's post of a content.
struct ContentPoster: Hashable, Comparable {
    var contentId: String
    var memberId: String

    static func < (a: Self, b: Self) -> Bool { (a.contentId, a.memberId) < (b.contentId, b.memberId) }
}

/// Each content's first poster: one probe of `posted_content_first` per content.
struct LoadContentOwners: PostgresQuery {
    static let isPrepared = true
    static let sql = """
        SELECT c.content_id, p.member_id, p.event_id FROM unnest($2::text[]) AS c(content_id)
        JOIN LATERAL (SELECT member_id, event_id FROM posted_content
                      WHERE program_id = $1 AND content_id = c.content_id ORDER BY seq LIMIT 1) p ON true
        """

    var program: String
    var contentIds: [String]
    var bindings: [any PostgresBindable] { [program, contentIds] }

    static func decode(_ row: PostgresRow) throws -> (contentId: String, poster: IntegrityHistory.Poster) {
        (try row.string("content_id"), IntegrityHistory.Poster(memberId: try row.string("member_id"), eventId: try row.string("event_id")))
    }
}

/// The given members' earlier posts of the given contents.
struct LoadEarlierPosts: PostgresQuery {
    static let isPrepared = true
    static let columns = PostgresColumns<ContentPoster>([.text("content_id") { $0.contentId }, .text("member_id") { $0.memberId }])
    static let sql = """
        SELECT p.content_id, p.member_id, p.event_id FROM \(columns.unnest(from: 2, as: "k"))
        JOIN posted_content p ON p.program_id = $1 AND p.content_id = k.content_id AND p.member_id = k.member_id
        """

    var program: String
    var posts: [ContentPoster]
    var bindings: [any PostgresBindable] { [program] + Self.columns.bindings(posts) }

    static func decode(_ row: PostgresRow) throws -> (contentId: String, poster: IntegrityHistory.Poster) {
        try LoadContentOwners.decode(row)
    }
}

/// One member's likes and comments on another's content on one local day.
struct EngagementKey: Hashable, Comparable {
    var day: String
    var memberId: String
    var ownerId: String

    static func < (a: Self, b: Self) -> Bool { (a.day, a.memberId, a.ownerId) < (b.day, b.memberId, b.ownerId) }
}

/// The counts kept of the given engagements.
struct LoadEngagements: PostgresQuery {
    static let isPrepared = true
    static let columns = PostgresColumns<EngagementKey>([
        .date("day") { $0.day }, .text("member_id") { $0.memberId }, .text("owner_id") { $0.ownerId },
    ])
    static let sql = """
        SELECT to_char(d.day, 'YYYY-MM-DD') AS day, d.member_id, d.owner_id, d.events FROM \(columns.unnest(from: 2, as: "k"))
        JOIN engagement_days d ON d.program_id = $1 AND d.day = k.day AND d.member_id = k.member_id AND d.owner_id = k.owner_id
        """

    var program: String
    var keys: [EngagementKey]
    var bindings: [any PostgresBindable] { [program] + Self.columns.bindings(keys) }

    static func decode(_ row: PostgresRow) throws -> (key: EngagementKey, events: Int) {
        (EngagementKey(day: try row.string("day"), memberId: try row.string("member_id"), ownerId: try row.string("owner_id")), try row.int("events"))
    }
}

/// New posts naming a content (a member's first post of it only).
struct InsertPostedContent: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<(member: MemberRef, contentId: String, eventId: String)>([
        .text("program_id") { $0.member.program }, .text("content_id") { $0.contentId }, .text("member_id") { $0.member.id },
        .text("event_id") { $0.eventId },
    ])
    static let sql = """
        INSERT INTO posted_content (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest(ordinality: "n")) ORDER BY n
        ON CONFLICT DO NOTHING
        """

    var rows: [(member: MemberRef, contentId: String, eventId: String)]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}

/// Adds likes and comments to the pair rule's counts, rows in one order.
struct AddEngagements: PostgresStatement {
    static let isPrepared = true
    static let columns = PostgresColumns<(program: String, key: EngagementKey, events: Int)>([
        .text("program_id") { $0.program }, .date("day") { $0.key.day }, .text("member_id") { $0.key.memberId },
        .text("owner_id") { $0.key.ownerId }, .int("events") { $0.events },
    ])
    static let sql = """
        INSERT INTO engagement_days AS d (\(columns.names)) SELECT \(columns.values) FROM \(columns.unnest())
        ON CONFLICT (program_id, day, member_id, owner_id) DO UPDATE SET events = d.events + EXCLUDED.events
        """

    var rows: [(program: String, key: EngagementKey, events: Int)]
    var bindings: [any PostgresBindable] { Self.columns.bindings(rows) }
}
