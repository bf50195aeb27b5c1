import Foundation
import Postgres
import RallyCore
import RallyStorage

/// The SQL of the state that rules read and write: rules versions, members' activity per day and action, and the
/// content once-per-content actions earned on.
extension EventWriter {
    /// Locks the members' rows, in one order, until the transaction ends: their scoring state is then read and written
    /// by this writer alone, whichever instance the other writers run in.
    static func lockMembers(_ refs: Set<MemberRef>, on connection: PostgresConnection) throws {
        for (program, members) in Dictionary(grouping: refs, by: \.program).sorted(by: { $0.key < $1.key }) {
            try connection.run(LockMembers(program: program, memberIds: members.map(\.id).sorted()))
        }
    }

    /// The scoring state of each member as their events need it (`HistoryNeed`): activity over a span of days, the content
    /// their once-per-content actions claimed, and, where the program has badges, each action's lifetime figures and the
    /// badges they hold; one statement per program.
    static func loadStates(_ needs: [MemberRef: HistoryNeed], programs: [String: ProgramContext],
                           on connection: PostgresConnection) throws -> [MemberRef: ScoringState] {
        var states: [MemberRef: ScoringState] = [:]
        for (programId, members) in Dictionary(grouping: needs.keys, by: \.program) {
            var days: [(member: String, first: String, end: String)] = []
            var contents: [(member: String, action: String, content: String)] = []
            var badges: [String] = []
            var lifetime: [(member: String, action: String)] = []
            for member in members {
                guard let need = needs[member] else { continue }
                if let span = need.days {
                    days.append((member.id, PeriodCalendar.dayKey(CivilDate(daysSinceEpoch: span.lowerBound)),
                                 PeriodCalendar.dayKey(CivilDate(daysSinceEpoch: span.upperBound))))
                }
                contents += need.contents.map { (member.id, $0.action, $0.contentId) }
                if need.badges { badges.append(member.id) }
                lifetime += need.lifetimeActions.map { (member.id, $0) }
            }
            let rows = try connection.run(LoadStates(program: programId, days: days, contents: contents, badges: badges, lifetime: lifetime))
            for row in rows {
                let member = MemberRef(program: programId, id: try row.string("member_id"))
                let activity = Activity(events: try row.int("events"), earning: try row.int("earning"), points: try row.int64("points"))
                switch try row.string("kind") {
                case "a":
                    guard let day = CivilDate.parse(try row.string("day")) else { continue }
                    states[member, default: ScoringState()].add(activity, at: ActivityKey(day: day, action: try row.string("action")))
                case "c":
                    states[member, default: ScoringState()].contents.insert(ContentKey(action: try row.string("action"), contentId: try row.string("badge_id")))
                case "t":
                    states[member, default: ScoringState()].lifetime[try row.string("action")] = activity
                default:
                    for award in try row.string("badge_id").split(separator: "\u{1E}") {
                        let parts = award.split(separator: "\u{1F}", omittingEmptySubsequences: false)
                        states[member, default: ScoringState()].held.insert(
                            BadgeAwardKey(badgeId: String(parts[0]), tier: parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil))
                    }
                }
            }
        }
        return states
    }
}

/// Locks members' rows until the transaction ends, in member order.
struct LockMembers: PostgresStatement {
    static let isPrepared = true
    static let sql = "SELECT 1 FROM members WHERE program_id = $1 AND member_id = ANY($2::text[]) ORDER BY member_id FOR NO KEY UPDATE"

    var program: String
    var memberIds: [String]
    var bindings: [any PostgresBindable] { [program, memberIds] }
}

/// What scoring reads of members' history in one program, one statement: each row's `kind` is 'a' a day's activity, 'c'
/// claimed content (its id in `badge_id`), 't' an action's lifetime figures, 'b' the badges held (tier and badge ids
/// joined, one row per member: the rows of an active program's members run to several per member, and each row costs
/// more than its length).
struct LoadStates: PostgresStatement {
    static let isPrepared = true
    static let days = PostgresColumns<(member: String, first: String, end: String)>([
        .text("m") { $0.member }, .date("f") { $0.first }, .date("e") { $0.end },
    ])
    static let contents = PostgresColumns<(member: String, action: String, content: String)>([
        .text("m") { $0.member }, .text("a") { $0.action }, .text("k") { $0.content },
    ])
    static let lifetime = PostgresColumns<(member: String, action: String)>([.text("m") { $0.member }, .text("a") { $0.action }])

    /// `$1` the program, then the day spans, the content, the members whose badges are read, the lifetime figures asked.
    static let sql: String = {
        let contentsFrom = 2 + days.columns.count, badges = contentsFrom + contents.columns.count
        return """
            SELECT 'a' AS kind, a.member_id, a.day::text AS day, a.action, a.events, a.earning, a.points, NULL AS badge_id
            FROM \(days.unnest(from: 2))
            JOIN member_activity a ON a.program_id = $1 AND a.member_id = u.m AND a.day >= u.f AND a.day < u.e
            UNION ALL
            SELECT 'c', c.member_id, NULL, c.action, 0, 0, 0, c.content_id
            FROM content_awards c JOIN \(contents.unnest(from: contentsFrom)) ON c.member_id = u.m AND c.action = u.a AND c.content_id = u.k
            WHERE c.program_id = $1
            UNION ALL
            SELECT 't', t.member_id, NULL, t.action, t.events, t.earning, t.points, NULL
            FROM member_action_totals t JOIN \(lifetime.unnest(from: badges + 1)) ON t.member_id = u.m AND t.action = u.a
            WHERE t.program_id = $1
            UNION ALL
            SELECT 'b', b.member_id, NULL, NULL, 0, 0, 0, string_agg(b.badge_id || chr(31) || b.tier, chr(30))
            FROM member_badges b WHERE b.program_id = $1 AND b.member_id = ANY($\(badges)::text[]) AND b.period_key = ''
            GROUP BY b.member_id
            """
    }()

    var program: String
    var days: [(member: String, first: String, end: String)]
    var contents: [(member: String, action: String, content: String)]
    var badges: [String]
    var lifetime: [(member: String, action: String)]
    var bindings: [any PostgresBindable] {
        [program] + Self.days.bindings(days) + Self.contents.bindings(contents) + [badges] + Self.lifetime.bindings(lifetime)
    }
}
