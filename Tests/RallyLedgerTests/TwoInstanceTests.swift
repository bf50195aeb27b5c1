import Foundation
import Metrics
import Postgres
import RallyCore
@testable import RallyLeaderboards
@testable import RallyLedger
import RallyTestSupport
import Testing

/// Two `rally serve` instances on one database and one Redis, writing the same members at the same time: every board
/// in Redis ends exactly as PostgreSQL holds it, nothing lost and nothing counted twice.
@Suite("Two instances on the same members")
struct TwoInstanceTests {
    /// One instance holds the scheduler's lease; another takes it when the first gives it back (a graceful stop) or
    /// once it ran out (the first died), and the first then knows it is no longer the leader.
    @Test func oneInstanceRunsTheScheduledJobsAndAnotherTakesOver() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            let first = Leadership(postgres: stores.postgres, logger: StoreTestEnvironment.logger, metrics: NOOPMetricsHandler.instance)
            let second = Leadership(postgres: stores.postgres, logger: StoreTestEnvironment.logger, metrics: NOOPMetricsHandler.instance)
            func holder() async throws -> String? { try await stores.postgres.query("SELECT holder FROM leases WHERE name = 'scheduler'").first?.string("holder") }
            #expect(await first.takeOrRenew() && first.isLeader)
            #expect(await !second.takeOrRenew() && !second.isLeader)
            #expect(await first.takeOrRenew(), "the holder renews")
            #expect(try await holder() == first.instance)

            // The first dies: its lease runs out (moved back here rather than waited for), the second takes it.
            try await stores.postgres.query("UPDATE leases SET expires_at = now() - interval '1 second'")
            #expect(await second.takeOrRenew() && second.isLeader)
            #expect(await !first.takeOrRenew() && !first.isLeader, "a leader whose lease was taken over learns it on its next renewal")
            #expect(try await holder() == second.instance)

            // The second stops gracefully: it gives the lease back, and the first takes it at once.
            let running = Task { try await second.run() }
            running.cancel()
            try await running.value
            #expect(!second.isLeader)
            #expect(try await holder() == nil)
            #expect(await first.takeOrRenew() && first.isLeader)
        }
    }

    /// A page one instance cached is dropped when that instance changes its board, and otherwise within a second: the
    /// changes another instance makes show no later than that; so does a (small) window board it computed.
    @Test func aPageCachedByOneInstanceShowsAnothersChangesWithinASecond() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            try await stores.writer.rebuild()
            let program = try await stores.program(members: ["ana", "ben"])
            let clock = ManualClock()
            let reader = Leaderboards(redis: stores.redis, postgres: stores.postgres, keys: stores.leaderboards.keys, clock: clock)
            func top() async throws -> [String] {
                try await reader.page(program: program, span: .period(.allTime), offset: 0, limit: 10).entries.map { "\($0.memberId ?? "?")=\($0.points)" }
            }
            let today = program.calendar.localDate(of: Date())
            let first = CivilDate(daysSinceEpoch: today.daysSinceEpoch - 6)
            let week = BoardSpan.window(program.calendar.window(.rolling, from: first, through: today), first: first, last: today)
            func lastSevenDays() async throws -> [String] {
                try await reader.page(program: program, span: week, offset: 0, limit: 10).entries.map { "\($0.memberId ?? "?")=\($0.points)" }
            }
            func record(_ id: String, _ member: String) async throws {
                let event = Event(id: id, memberId: member, action: "post", network: nil, contentId: nil, occurredAt: Date(), tags: [])
                _ = try await stores.writer.record([EventSubmission(program: program, event: event, receivedAt: Date())])
            }
            try await record("e1", "ana")
            #expect(try await top() == ["ana=25"])
            #expect(try await lastSevenDays() == ["ana=25"])
            try await record("e2", "ben")
            try await record("e3", "ben")
            #expect(try await top() == ["ana=25"], "the reader's page, cached")
            #expect(try await lastSevenDays() == ["ana=25"], "the reader's window board, cached")
            #expect(reader.cache.lifetime == .seconds(1) && reader.windows.lifetime == .seconds(1))
            clock.advance(by: .seconds(1))
            #expect(try await top() == ["ben=50", "ana=25"])
            #expect(try await lastSevenDays() == ["ben=50", "ana=25"])
        }
    }

    @Test func boardsStayExactWhenTwoWritersShareTheMembers() async throws {
        try await StoreTestEnvironment.run(lanes: 2) { stores in
            let members = (0..<12).map { "m\($0)" }
            let program = try await stores.program(members: members)
            let second = EventWriter(postgres: stores.postgres, leaderboards: Leaderboards(redis: stores.redis, postgres: stores.postgres, keys: stores.leaderboards.keys),
                                     logger: StoreTestEnvironment.logger, metrics: NOOPMetricsHandler.instance, lanes: 2)
            let running = Task { try await second.run() }
            try await stores.writer.rebuild()
            try await second.rebuild()
            // The second rebuild took the first writer's boards away for a moment: let it notice and come back in line.
            _ = try await eventually(within: .seconds(10)) { !stores.writer.projectionIsStale && !second.projectionIsStale }

            let now = Date()
            let actions = ["post", "share", "comment", "like"]
            let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
                for index in 0..<300 {
                    // A tenth of the events happened 30 days ago (other week boards, another month's mostly); a tenth go to both instances.
                    let event = Event(id: "e\(index)", memberId: members[index % members.count], action: actions[index % 4], network: nil,
                                      contentId: nil, occurredAt: index % 10 == 3 ? now.addingTimeInterval(-30 * 86_400) : now, tags: [])
                    let submission = EventSubmission(program: program, event: event, receivedAt: now)
                    let writers = index % 10 == 7 ? [stores.writer, second] : [index % 2 == 0 ? stores.writer : second]
                    for writer in writers {
                        group.addTask {
                            try await writer.record([submission]).map { outcome in
                                switch outcome {
                                case .created: "created"
                                case .duplicate: "duplicate"
                                case let .rejected(error): "rejected \(error.code.rawValue)"
                                }
                            }
                        }
                    }
                }
                var all: [String] = []
                for try await answer in group { all += answer }
                return all
            }
            #expect(outcomes.filter { $0 == "created" }.count == 300)
            #expect(outcomes.filter { $0 == "duplicate" }.count == 30)
            #expect(outcomes.count == 330)

            // A writer whose pipeline failed (a time-out on a loaded machine) rebuilds within seconds: compare once both are in line.
            _ = try await eventually(within: .seconds(10)) { !stores.writer.projectionIsStale && !second.projectionIsStale }
            let expected = try await stores.postgres.withConnection { try MemberTotals.standings(program: program.id, retention: stores.leaderboards.retention, now: now, on: $0) }
            let boards = Dictionary(grouping: expected, by: \.period)
            // Every period of today and of 30 days ago has its board.
            let periods = [now, now.addingTimeInterval(-30 * 86_400)].flatMap { program.calendar.trackedPeriods(containing: $0).map(\.key) }
            #expect(Set(boards.keys) == Set(periods))
            for (period, standings) in boards {
                let reply = try await stores.redis.send(["ZRANGE", stores.leaderboards.keys.key(for: Board(program: program.id, period: period)), "0", "-1", "WITHSCORES"])
                let pairs = reply.array ?? []
                var inRedis: [String: Int64] = [:]
                for index in stride(from: 0, to: pairs.count - 1, by: 2) {
                    if let member = pairs[index].string, let score = pairs[index + 1].double { inRedis[member] = StandingKey(value: score).points }
                }
                #expect(inRedis == Dictionary(uniqueKeysWithValues: standings.map { ($0.memberId, $0.points) }), "\(period)")
            }
            // And PostgreSQL's totals are the ledger's sums.
            let ledger = try await stores.postgres.query(
                "SELECT member_id, sum(points) AS points FROM ledger WHERE program_id = $1 GROUP BY member_id", [program.id])
            let allTime = Dictionary(uniqueKeysWithValues: (boards["all"] ?? []).map { ($0.memberId, $0.points) })
            #expect(Dictionary(uniqueKeysWithValues: try ledger.map { (try $0.string("member_id"), try $0.int64("points")) }) == allTime)
            running.cancel()
            _ = await running.result
        }
    }
}

extension TwoInstanceTests {
    /// Two instances scoring the same member at once never let a cap give more than it allows: the member's row is
    /// locked while their state is read and written.
    @Test func aCapHoldsWhenTwoWritersScoreTheSameMemberAtOnce() async throws {
        try await StoreTestEnvironment.run(lanes: 2) { stores in
            let program0 = try await stores.program(members: ["ana"])
            let rules = Ruleset(version: 0, actions: ["like": ActionRule(points: 1)], caps: [Cap(action: "like", per: .day, maxCount: 3)])
            _ = try await stores.programs.setRules(RulesetProposal(ruleset: rules), program: program0.id, actor: "test")
            let program = try await stores.programs.fresh(program0.id)
            let second = EventWriter(postgres: stores.postgres, leaderboards: Leaderboards(redis: stores.redis, postgres: stores.postgres, keys: stores.leaderboards.keys),
                                     logger: StoreTestEnvironment.logger, metrics: NOOPMetricsHandler.instance, lanes: 2)
            let running = Task { try await second.run() }
            let at = Date().addingTimeInterval(1)
            let points = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    let writer = index % 2 == 0 ? stores.writer : second
                    let event = Event(id: "like-\(index)", memberId: "ana", action: "like", network: nil, contentId: nil, occurredAt: at, tags: [])
                    group.addTask {
                        guard case let .created(result) = try await writer.record([EventSubmission(program: program, event: event, receivedAt: Date())]).first else {
                            return -100
                        }
                        return result.points
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(points == 3)
            #expect(try await stores.column("points", of: "member_totals", program: program.id) == ["3"])
            #expect(try await stores.column("events || ' ' || earning", of: "member_activity", program: program.id) == ["20 3"])
            running.cancel()
            _ = await running.result
        }
    }
}
