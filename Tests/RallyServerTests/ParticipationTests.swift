import Foundation
import HummingbirdTesting
import Logging
import RallyAnalytics
import RallyCore
import RallyLedger
import RallyStorage
import Testing

struct ParticipationDTO: Decodable, Equatable {
    struct Figures: Decodable, Equatable {
        var team: String?
        var region: String?
        var enrolled: Int
        var active: Int
        var rate: Double?
        var newlyActive: Int
        var actions: [String: Int]
    }

    struct Entry: Decodable, Equatable {
        var period: PeriodDTO
        var enrolled: Int
        var active: Int
        var rate: Double?
        var newlyActive: Int
        var actions: [String: Int]
        var groups: [Figures]?

        var figures: Figures { Figures(enrolled: enrolled, active: active, rate: rate, newlyActive: newlyActive, actions: actions) }
    }

    var granularity: String
    var from: String
    var to: String
    var groupBy: String?
    var qualifyingActions: [String]
    var definitions: [String: String]
    var periods: [Entry]
}

typealias Figures = ParticipationDTO.Figures

/// `GET …/analytics/participation`: enrolled members at each period's end (from the enrolment history), the active among
/// them, the rate, the newly active and the actions, overall and per team or region.
@Suite("Analytics: participation")
struct ParticipationTests {
    static func participation(_ program: TestProgram, _ query: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> ParticipationDTO
    {
        let response = try await program.app.send(.get, "\(program.path)/analytics/participation?\(query)", key: program.adminKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(ParticipationDTO.self, from: response, sourceLocation: sourceLocation)
    }

    @Test func twentyEnrolledOfWhomNineActIsAWeekAt045() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC")
            // Likes capped at one a day, posts worth nothing, clicks worth points but not qualifying by default.
            try requireStatus(try await app.send(.put, "\(program.path)/rules", key: program.adminKey, body: """
                {"actions": {"post": {"points": 0}, "share": {"points": 10}, "comment": {"points": 5}, "like": {"points": 1}, "click": {"points": 2}},
                 "caps": [{"action": "like", "per": "day", "maxCount": 1}]}
                """), .ok)
            // Events from a second on: the new rules are in force (occurredAt is written to the second).
            let soon = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(2))
            let members = (1...20).map { String(format: "m%02d", $0) }
            try await program.addMembers(members)
            for member in members.prefix(8) { try await program.record(EventInput(id: "like-\(member)", memberId: member, action: "like", occurredAt: soon)) }
            let capped = try await program.record(EventInput(id: "like-m01-again", memberId: "m01", action: "like", occurredAt: soon))
            #expect(capped.status == "capped" && capped.points == 0)
            let post = try await program.record(EventInput(id: "post-m09", memberId: "m09", action: "post", occurredAt: soon))
            #expect(post.points == 0)
            try await program.record(EventInput(id: "click-m10", memberId: "m10", action: "click", occurredAt: soon))

            let today = String(soon.prefix(10))
            let week = try await Self.participation(program, "granularity=week&from=\(today)&to=\(today)")
            #expect(week.granularity == "week" && week.groupBy == nil && week.qualifyingActions == ["comment", "like", "post", "share"])
            #expect(week.periods.map(\.period.kind) == ["week"])
            #expect(week.periods.map(\.figures) == [Figures(enrolled: 20, active: 9, rate: 0.45, newlyActive: 9, actions: ["like": 9, "post": 1, "click": 1])])
            #expect(week.periods[0].groups == nil)
            #expect(Set(week.definitions.keys).isSuperset(of: ["enrolled", "active", "rate", "newlyActive", "actions"]))
            let raw = text(try await app.send(.get, "\(program.path)/analytics/participation?granularity=day&from=\(today)&to=\(today)", key: program.adminKey))
            #expect(raw.contains(#""rate":0.45,"#), "\(raw)")

            // Which actions qualify is the program's setting.
            try requireStatus(try await app.send(.patch, program.path, key: program.adminKey, body: #"{"participation": {"qualifyingActions": ["click", "post"]}}"#), .ok)
            let clicks = try await Self.participation(program, "granularity=month&from=\(today)&to=\(today)")
            #expect(clicks.qualifyingActions == ["click", "post"])
            #expect(clicks.periods.map(\.figures) == [Figures(enrolled: 20, active: 2, rate: 0.1, newlyActive: 2, actions: ["like": 9, "post": 1, "click": 1])])
        }
    }

    /// October 2026 (UTC): ana and ben in Sales throughout; cid moves from Sales to Marketing on the 14th; dan (Marketing)
    /// leaves on the 15th; eve joins Marketing on the 21st. ana likes on the 6th, cid shares on the 7th and likes on the
    /// 20th, dan posts on the 8th, eve comments on the 22nd; ben does nothing.
    @Test func enrolmentHistoryDecidesWhoCountsAndWhere() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC", backfillDays: 3660)
            // The events were recorded while everyone was enrolled; then dan left and cid moved, and the history that led
            // there is written with its real dates.
            try await program.addMembers(["ana", "ben", "cid", "dan", "eve"])
            for (id, member, action, day) in [("e1", "ana", "like", "06"), ("e2", "cid", "share", "07"), ("e3", "dan", "post", "08"),
                                              ("e4", "cid", "like", "20"), ("e5", "eve", "comment", "22")] {
                try await program.record(EventInput(id: id, memberId: member, action: action, occurredAt: "2026-10-\(day)T10:00:00Z"))
            }
            for (member, team, enrolled) in [("ana", "Sales", true), ("ben", "Sales", true), ("cid", "Marketing", true), ("dan", "Marketing", false),
                                             ("eve", "Marketing", true)] {
                try requireStatus(try await program.putMember(member, MemberInput(displayName: member, team: team, enrolled: enrolled)), .ok)
            }
            let since = "2026-01-01T00:00:00Z"
            try await program.app.database.setEnrolments(program: program.id, [
                .init(memberId: "ana", at: since, team: "Sales"), .init(memberId: "ben", at: since, team: "Sales"),
                .init(memberId: "cid", at: since, team: "Sales"), .init(memberId: "cid", at: "2026-10-14T12:00:00Z", team: "Marketing"),
                .init(memberId: "dan", at: since, team: "Marketing"), .init(memberId: "dan", at: "2026-10-15T12:00:00Z", enrolled: false, team: "Marketing"),
                .init(memberId: "eve", at: "2026-10-21T12:00:00Z", team: "Marketing"),
            ])

            let weeks = try await Self.participation(program, "granularity=week&from=2026-10-05&to=2026-10-25&groupBy=team")
            #expect(weeks.periods.map(\.period.key) == ["2026-W41", "2026-W42", "2026-W43"])
            #expect(weeks.periods.map(\.figures) == [
                Figures(enrolled: 4, active: 3, rate: 0.75, newlyActive: 3, actions: ["like": 1, "share": 1, "post": 1]),
                Figures(enrolled: 3, active: 0, rate: 0, newlyActive: 0, actions: [:]),
                Figures(enrolled: 4, active: 2, rate: 0.5, newlyActive: 1, actions: ["like": 1, "comment": 1]),
            ])
            #expect(weeks.periods.map { $0.groups ?? [] } == [
                [Figures(team: "Marketing", enrolled: 1, active: 1, rate: 1, newlyActive: 1, actions: ["post": 1]),
                 Figures(team: "Sales", enrolled: 3, active: 2, rate: 0.6667, newlyActive: 2, actions: ["like": 1, "share": 1])],
                [Figures(team: "Marketing", enrolled: 1, active: 0, rate: 0, newlyActive: 0, actions: [:]),
                 Figures(team: "Sales", enrolled: 2, active: 0, rate: 0, newlyActive: 0, actions: [:])],
                [Figures(team: "Marketing", enrolled: 2, active: 2, rate: 1, newlyActive: 1, actions: ["like": 1, "comment": 1]),
                 Figures(team: "Sales", enrolled: 2, active: 0, rate: 0, newlyActive: 0, actions: [:])],
            ])

            // Months: dan left before October's end and counts in September only; cid counts for Marketing in October.
            let months = try await Self.participation(program, "granularity=month&from=2026-09-01&to=2026-10-31&groupBy=team")
            #expect(months.periods.map(\.period.key) == ["2026-09", "2026-10"])
            #expect(months.periods.map(\.figures) == [
                Figures(enrolled: 4, active: 0, rate: 0, newlyActive: 0, actions: [:]),
                Figures(enrolled: 4, active: 3, rate: 0.75, newlyActive: 3, actions: ["like": 2, "share": 1, "comment": 1]),
            ])
            #expect(months.periods[1].groups == [
                Figures(team: "Marketing", enrolled: 2, active: 2, rate: 1, newlyActive: 2, actions: ["like": 1, "share": 1, "comment": 1]),
                Figures(team: "Sales", enrolled: 2, active: 1, rate: 0.5, newlyActive: 1, actions: ["like": 1]),
            ])
            // A quarter holds its months; a period is whole even when the range cuts it.
            let quarter = try await Self.participation(program, "granularity=quarter&from=2026-10-10&to=2026-10-10")
            #expect(quarter.periods.map(\.period.key) == ["2026-Q4"])
            #expect(quarter.periods.map(\.figures) == [Figures(enrolled: 4, active: 3, rate: 0.75, newlyActive: 3,
                                                               actions: ["like": 2, "share": 1, "comment": 1])])
            // A period that ended, asked again after a late event of its own: the new event counts (nothing stale is kept).
            try await program.record(EventInput(id: "late", memberId: "ben", action: "comment", occurredAt: "2026-10-09T10:00:00Z"))
            let later = try await Self.participation(program, "granularity=month&from=2026-10-01&to=2026-10-31&groupBy=team")
            #expect(later.periods[0].groups?.last == Figures(team: "Sales", enrolled: 2, active: 2, rate: 1, newlyActive: 2, actions: ["like": 1, "comment": 1]))
            // A retracted event no longer makes its member active.
            try requireStatus(try await app.send(.delete, "\(program.path)/events/e5", key: program.adminKey), .ok)
            let after = try await Self.participation(program, "granularity=week&from=2026-10-19&to=2026-10-25")
            #expect(after.periods.map(\.figures) == [Figures(enrolled: 4, active: 1, rate: 0.25, newlyActive: 0, actions: ["like": 1])])
        }
    }

    @Test func aMemberChangedThroughTheAPIMovesForTheCurrentPeriodAtOnce() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC")
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Sales", region: "Lyon")), .created)
            try await program.record(EventInput(id: "e1", memberId: "ana", action: "share"))
            let today = String(Timestamp.rfc3339(Timestamp.now()).prefix(10))
            let query = "granularity=week&from=\(today)&to=\(today)&groupBy=team"
            #expect(try await Self.participation(program, query).periods[0].groups
                == [Figures(team: "Sales", enrolled: 1, active: 1, rate: 1, newlyActive: 1, actions: ["share": 1])])
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Marketing", region: "Lyon")), .ok)
            #expect(try await Self.participation(program, query).periods[0].groups
                == [Figures(team: "Marketing", enrolled: 1, active: 1, rate: 1, newlyActive: 1, actions: ["share": 1])])
            #expect(try await Self.participation(program, "granularity=week&from=\(today)&to=\(today)&groupBy=region").periods[0].groups
                == [Figures(region: "Lyon", enrolled: 1, active: 1, rate: 1, newlyActive: 1, actions: ["share": 1])])
            try requireStatus(try await program.putMember("ana", MemberInput(displayName: "Ana", team: "Marketing", enrolled: false)), .ok)
            let left = try await Self.participation(program, query)
            #expect(left.periods.map(\.figures) == [Figures(enrolled: 0, active: 0, rate: nil, newlyActive: 0, actions: [:])])
            #expect(left.periods[0].groups == [])
        }
    }

    /// The figures of a period that ended are counted once and kept in PostgreSQL, whichever instance asks: activity
    /// written behind the writer's back does not show in them; a late event does, because the writer counts a change
    /// to its month in the same transaction. An event of today counts none.
    @Test func figuresOfEndedPeriodsAreKeptUntilALateChangeToTheirMonth() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC", backfillDays: 3660)
            try await program.addMembers(["ana", "ben"])
            let since = "2026-01-01T00:00:00Z"
            try await program.app.database.setEnrolments(program: program.id, [.init(memberId: "ana", at: since), .init(memberId: "ben", at: since)])
            func lateChanges(_ month: String) async throws -> [String?] {
                try await program.app.database.column("SELECT changes FROM activity_month_changes WHERE program_id = $1 AND month = $2::date", [program.id, month])
            }
            try await program.record(EventInput(id: "a1", memberId: "ana", action: "post", occurredAt: "2026-09-10T10:00:00Z"))
            #expect(try await lateChanges("2026-09-01") == ["1"])
            let today = String(Timestamp.rfc3339(Timestamp.now()).prefix(10))
            try await program.record(EventInput(id: "a2", memberId: "ana", action: "like"))
            #expect(try await lateChanges(String(today.prefix(8)) + "01") == [])

            let september = "granularity=month&from=2026-09-01&to=2026-09-30"
            let first = Figures(enrolled: 2, active: 1, rate: 0.5, newlyActive: 1, actions: ["post": 1])
            #expect(try await Self.participation(program, september).periods.map(\.figures) == [first])
            #expect(try await program.app.database.column("SELECT changes FROM participation_figures WHERE program_id = $1 AND period = 'month:2026-09'",
                                                  [program.id]) == ["1"])
            try await program.app.database.execute("""
                INSERT INTO member_activity (program_id, member_id, day, action, events, earning, points) VALUES ($1, 'ben', '2026-09-11', 'like', 1, 1, 1)
                """, [program.id])
            #expect(try await Self.participation(program, september).periods.map(\.figures) == [first])

            try await program.record(EventInput(id: "b1", memberId: "ben", action: "comment", occurredAt: "2026-09-12T10:00:00Z"))
            #expect(try await lateChanges("2026-09-01") == ["2"])
            #expect(try await Self.participation(program, september).periods.map(\.figures)
                == [Figures(enrolled: 2, active: 2, rate: 1, newlyActive: 2, actions: ["post": 1, "like": 1, "comment": 1])])
            // Retracting an event of a day already over is a late change too.
            try requireStatus(try await app.send(.delete, "\(program.path)/events/a1", key: program.adminKey), .ok)
            #expect(try await lateChanges("2026-09-01") == ["3"])
            #expect(try await Self.participation(program, september).periods.map(\.figures)
                == [Figures(enrolled: 2, active: 1, rate: 0.5, newlyActive: 1, actions: ["like": 1, "comment": 1])])
        }
    }

    /// Preparing a program counts its default questions ahead of HR: every period of them that ended is kept.
    @Test func preparingAProgramKeepsTheFiguresOfItsDefaultQuestions() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC")
            try await program.addMembers(["ana", "ben"])
            // Two months back: a period that ended long ago whenever the test runs.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let month = calendar.date(byAdding: .month, value: -2, to: calendar.date(from: calendar.dateComponents([.year, .month], from: Date()))!)!
            let monthKey = String(Timestamp.rfc3339(month).prefix(7))
            try await program.app.database.setEnrolments(program: program.id, [.init(memberId: "ana", at: "2020-01-01T00:00:00Z"),
                                                                       .init(memberId: "ben", at: "2020-01-01T00:00:00Z")])
            try await program.record(EventInput(id: "a1", memberId: "ana", action: "share", occurredAt: "\(monthKey)-03T10:00:00Z"))
            try requireStatus(try await app.send(.post, "\(program.path)/surveys/responses", key: program.ingestKey,
                                                 body: #"{"id": "r1", "memberId": "ben", "kind": "enps", "score": 10}"#), .created)

            let keptBy = { try await program.app.database.column("SELECT period FROM participation_figures WHERE program_id = $1", [program.id]) }
            let answers = try await program.app.database.withPool { pool in
                let programs = ProgramStore(postgres: pool, keys: KeyStore(postgres: pool))
                let analytics = AnalyticsStore(database: ReportDatabase(primary: pool), activity: ActivityChanges())
                let prepared = try await programs.fresh(program.id)
                try await analytics.prepare(program: prepared)
                let today = prepared.calendar.localDate(of: Date())
                return try await analytics.satisfaction(program: prepared, kind: .enps,
                                                        range: AnalyticsRange(from: CivilDate(daysSinceEpoch: today.daysSinceEpoch - 29), to: today),
                                                        grouping: nil).groups
            }
            #expect(answers.map(\.others) == [[10]] && answers.map(\.ambassadors) == [[]])
            let kept = try await keptBy()
            // Twelve periods up to today (thirty days), the one under way not kept (nor, just after midnight, the one that
            // just ended).
            for (kind, periods) in [("day", 30), ("week", 12), ("month", 12), ("quarter", 12)] {
                #expect((periods - 2...periods - 1).contains(kept.filter { $0?.hasPrefix("\(kind):") == true }.count), "\(kind)")
            }
            #expect(kept.contains("month:\(monthKey)"))
            let figures = try await program.app.database.column("""
                SELECT x.active FROM participation_figures f, jsonb_to_recordset(f.figures) AS x(grouping text, active int, action text)
                WHERE f.program_id = $1 AND f.period = $2 AND x.grouping IS NULL AND x.action IS NULL
                """, [program.id, "month:\(monthKey)"])
            #expect(figures == ["1"])
        }
    }

    /// With several instances, the scheduler's leader prepares a large program's answers about time under way (and every
    /// program's gauges) once, in PostgreSQL; the others answer from there while it is good, and count for themselves after.
    @Test func theLeadersPreparedAnswersServeEveryInstance() async throws {
        // The app's own gauges counted at start only: this test's stores are the instances.
        try await TestApp.run(metricsRefresh: .seconds(3600)) { app in
            let large = try await app.createProgram(timezone: "UTC")
            try await large.addMembers(["ana", "ben"])
            let small = try await app.createProgram(timezone: "UTC")
            try await small.addMembers(["cleo"])
            for program in [large, small] {
                try await program.record(EventInput(id: "a1", memberId: program.id == large.id ? "ana" : "cleo", action: "share"))
            }
            for (id, member, score) in [("r1", "ana", 10), ("r2", "ben", 3)] {
                try requireStatus(try await app.send(.post, "\(large.path)/surveys/responses", key: large.ingestKey,
                                                     body: #"{"id": "\#(id)", "memberId": "\#(member)", "kind": "enps", "score": \#(score)}"#), .created)
            }
            // The answers kept of a program (the gauges aside: the app's own leader keeps those every round).
            let prepared = { (program: TestProgram) in
                try await app.database.column("SELECT question FROM prepared_answers WHERE program_id = $1 AND question <> 'gauges' ORDER BY question",
                                              [program.id])
            }
            try await app.database.withPool { pool in
                let programs = ProgramStore(postgres: pool, keys: KeyStore(postgres: pool))
                // Three instances' analytics, each with its own memory; two members or answers make an answer large here.
                let instances = (0..<3).map { _ in AnalyticsStore(database: ReportDatabase(primary: pool), activity: ActivityChanges(), largeAnswers: 2) }
                let (leader, follower, latecomer) = (instances[0], instances[1], instances[2])
                let program = try await programs.fresh(large.id)
                let today = program.calendar.localDate(of: Date())
                guard case let .success(months) = AnalyticsRange.parse(from: nil, to: nil, granularity: .month, today: today) else {
                    Issue.record("no default months")
                    return
                }
                let month = try #require(months.periods(.month, calendar: program.calendar).last)
                let days30 = AnalyticsRange(from: CivilDate(daysSinceEpoch: today.daysSinceEpoch - 29), to: today)
                // The month's active members and the eNPS scores of the last 30 days, as one instance answers.
                func answers(_ store: AnalyticsStore) async throws -> String {
                    let participation = try await store.participation(program: program, periods: [month], grouping: nil)
                    let satisfaction = try await store.satisfaction(program: program, kind: .enps, range: days30, grouping: nil)
                    return "\(participation[0].total.active) \(satisfaction.groups.flatMap { $0.ambassadors + $0.others }.sorted())"
                }

                // An answer kept by an earlier round, which this one will not prepare again, and one run out two days ago.
                try await app.database.execute("""
                    INSERT INTO prepared_answers (program_id, question, answer, prepared_at, good_until)
                    VALUES ($1, 'participation week:1999-W01 share', '[]', now() - interval '1 hour', now() + interval '1 minute'),
                           ($1, 'participation week:1999-W02 share', '[]', now() - interval '3 days', now() - interval '2 days')
                    """, [large.id])
                let since = try await leader.preparationStarts()
                try await leader.prepare(program: program)
                try await leader.prepare(program: try await programs.fresh(small.id))
                let questions = try await prepared(large)
                #expect(questions.contains("participation month:\(month.period.key) \(program.settings.qualifyingActions.joined(separator: ","))"))
                #expect(questions.contains { $0?.hasPrefix("satisfaction enps \(days30.from)..\(days30.to) ") == true })
                #expect(questions.allSatisfy { $0?.hasPrefix("participation month:") == true || $0?.hasPrefix("participation week:") == true
                    || $0?.hasPrefix("satisfaction ") == true }, "only time under way: \(questions)")
                let fresh = try await app.database.column("""
                    SELECT count(*) FROM prepared_answers WHERE program_id = $1 AND question <> 'gauges' AND prepared_at >= $2::timestamptz
                    """, [large.id, since])
                #expect(fresh == ["\(questions.count - 2)"], "all but the two old ones prepared in this round")
                #expect(try await prepared(small).isEmpty, "one member: counted again when asked, never kept")

                // Ben shares and answers again: the prepared answers do not know it yet.
                try await large.record(EventInput(id: "b1", memberId: "ben", action: "share"))
                try requireStatus(try await app.send(.post, "\(large.path)/surveys/responses", key: large.ingestKey,
                                                     body: #"{"id": "r3", "memberId": "ben", "kind": "enps", "score": 9}"#), .created)
                #expect(try await answers(follower) == "1 [3, 10]", "what the leader prepared")
                // The round after a long rest keeps what it prepared until the next; what it did not prepare runs out as it
                // was, and what ran out a day ago goes.
                try await leader.keepPrepared(for: .seconds(900), since: since)
                #expect(try await app.database.column("""
                    SELECT question FROM prepared_answers
                    WHERE program_id = $1 AND question <> 'gauges' AND good_until < now() + interval '800 seconds' ORDER BY question
                    """, [large.id]) == ["participation week:1999-W01 share"])
                // Past their time, an instance counts for itself.
                try await app.database.execute("UPDATE prepared_answers SET good_until = now() - interval '1 second' WHERE program_id = $1", [large.id])
                #expect(try await answers(latecomer) == "2 [9, 10]")
                #expect(try await answers(follower) == "1 [3, 10]", "what it took stays in its memory until it was due")

                // The gauges: counted and kept by the leader, read by the others.
                let counted = try await leader.gaugeFigures(keepingFor: .seconds(60)).first { $0.program == large.id }
                #expect(counted.map { "\($0.enrolled) \($0.activeWeek) \($0.activeMonth) \(String(describing: $0.enps))" } == "2 2 2 nil")
                try await large.addMembers(["cai"])
                #expect(try await follower.preparedGaugeFigures()?.first { $0.program == large.id } == counted)
                #expect(try await follower.gaugeFigures().first { $0.program == large.id }?.enrolled == 3)
            }
        }
    }

    /// The background preparation prepares on the scheduler's leader only: another instance's rounds keep nothing.
    @Test func onlyTheLeaderPrepares() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC")
            try await program.addMembers(["ana", "ben"])
            try await program.record(EventInput(id: "a1", memberId: "ana", action: "share"))
            let kept = {
                try await app.database.column("""
                    SELECT (SELECT count(*) FROM participation_figures WHERE program_id = $1)
                           + (SELECT count(*) FROM prepared_answers WHERE program_id = $1 AND question <> 'gauges')
                    """, [program.id]).first ?? nil
            }
            try await app.database.withPool { pool in
                let programs = ProgramStore(postgres: pool, keys: KeyStore(postgres: pool))
                func preparation(leads: Bool) -> AnalyticsPreparation {
                    AnalyticsPreparation(analytics: AnalyticsStore(database: ReportDatabase(primary: pool), activity: ActivityChanges(), largeAnswers: 2),
                                         program: { try await programs.fresh($0) }, isLeader: { leads }, interval: .seconds(3600),
                                         logger: Logger(label: "test"))
                }
                let follower = Task { try await preparation(leads: false).run() }
                try await Task.sleep(for: .seconds(2))
                follower.cancel()
                #expect(try await kept() == "0")
                let leader = Task { try await preparation(leads: true).run() }
                defer { leader.cancel() }
                for _ in 0..<100 where try await kept() == "0" { try await Task.sleep(for: .milliseconds(100)) }
                #expect(try await kept() != "0")
            }
        }
    }

    @Test func questionsOutsideTheirRangeAreRefusedByField() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            func problem(_ query: String, key: String? = nil) async throws -> (Int, [String]) {
                let response = try await app.send(.get, "\(program.path)/analytics/participation?\(query)", key: key ?? program.adminKey)
                guard response.status != .ok else { return (200, []) }
                return (Int(response.status.code), try decode(ErrorDTO.self, from: response).error.details.map(\.field))
            }
            #expect(try await problem("granularity=year") == (422, ["granularity"]))
            #expect(try await problem("from=2026-11-30&to=2026-11-01") == (422, ["from"]))
            #expect(try await problem("from=2023-01-01&to=2026-11-01") == (422, ["from"]))
            #expect(try await problem("from=yesterday") == (422, ["from"]))
            #expect(try await problem("groupBy=city") == (422, ["groupBy"]))
            #expect(try await problem("", key: program.readKey).0 == 403)
            #expect(try await problem("", key: program.ingestKey).0 == 403)
            // Defaults: twelve weeks up to today.
            let defaults = try await Self.participation(program, "")
            #expect(defaults.granularity == "week" && defaults.periods.count == 12)
        }
    }

    @Test func qualifyingActionsAndTheMediaModelAreProgramSettings() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            func patch(_ body: String) async throws -> (Int, [String]) {
                let response = try await app.send(.patch, program.path, key: program.adminKey, body: body)
                guard response.status != .ok else { return (200, []) }
                return (Int(response.status.code), try decode(ErrorDTO.self, from: response).error.details.map(\.field))
            }
            #expect(try await patch(#"{"participation": {"qualifyingActions": []}}"#) == (422, ["participation.qualifyingActions"]))
            #expect(try await patch(#"{"participation": {"qualifyingActions": ["post", "no spaces"]}}"#) == (422, ["participation.qualifyingActions[1]"]))
            #expect(try await patch(#"{"participation": {"qualifyingActions": ["post", "post"]}}"#) == (422, ["participation.qualifyingActions"]))
            #expect(try await patch(#"{"participation": {"qualifyingActions": "post"}}"#) == (422, ["participation.qualifyingActions"]))
            // Null is no value for a setting; only the media model can be set to none.
            #expect(try await patch(#"{"participation": null}"#) == (422, ["participation"]))
            #expect(try await patch(#"{"name": null, "backfillDays": null}"#) == (422, ["name", "backfillDays"]))
            #expect(try await patch(#"{"mediaValue": {"currency": "euro", "perShare": {"linkedin": 50}}}"#) == (422, ["mediaValue.currency"]))
            #expect(try await patch(#"{"mediaValue": {"currency": "EUR", "perShare": {"linkedin": 50}, "cpm": {"x": 2}}}"#) == (422, ["mediaValue"]))
            #expect(try await patch(#"{"mediaValue": {"currency": "EUR", "cpc": {"linkedin": -1}}}"#) == (422, ["mediaValue.cpc.linkedin"]))
            #expect(try await patch(#"{"participation": {"qualifyingActions": ["share", "post"]}, "mediaValue": {"currency": "EUR", "perShare": {"linkedin": 50}}}"#).0 == 200)
            let shown = text(try await app.send(.get, program.path, key: program.readKey))
            #expect(shown.contains(#""participation":{"qualifyingActions":["post","share"]}"#), "\(shown)")
            #expect(shown.contains(#""mediaValue":{"currency":"EUR","perShare":{"linkedin":50.0}}"#), "\(shown)")
            #expect(try await patch(#"{"mediaValue": null}"#).0 == 200)
            #expect(text(try await app.send(.get, program.path, key: program.readKey)).contains(#""mediaValue":null"#))
        }
    }
}
