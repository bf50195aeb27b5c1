import Foundation
import Metrics
import Postgres
import RallyCore
@testable import RallyLeaderboards
@testable import RallyLedger
@testable import RallyStorage
import RallyTestSupport
import Redis
import Testing

/// An instance that starts (or sees Redis restart) trusts the projection Redis kept and reconciles what it missed
/// member by member, instead of rebuilding every board of every program.
@Suite("Start-up reconciles the projection Redis kept")
struct StartUpTests {
    @Test func aNewInstanceResynchronisesOnlyWhatAStoppedOneLeftBehind() async throws {
        try await StoreTestEnvironment.run(lanes: 2) { stores in
            try await CatchUpTests.waitUntilInLine(stores.writer)
            let program = try await stores.program(members: ["ana", "ben", "cid", "dan"])
            try await record(["e1": "ana", "e2": "ben", "e3": "cid", "e4": "dan"], program: program, with: stores.writer)
            let sentinel = stores.leaderboards.keys.namespace + "/sentinel"
            _ = try await stores.redis.send(["SET", sentinel, "kept"])
            let anaBefore = try await stores.redis.send(["ZSCORE", stores.leaderboards.keys.key(for: Board(program: program.id, period: "all")), "ana"]).string

            // An instance whose Redis never answers commits events whose pipeline never runs, and stops: what it missed
            // is lost with it. Members change in PostgreSQL with no refresh either (a process stopped in between).
            let unreachable = RedisPool(configuration: try RedisConfiguration(url: "redis://127.0.0.1:1/0"), logger: StoreTestEnvironment.logger)
            let stopped = EventWriter(postgres: stores.postgres, leaderboards: Leaderboards(redis: unreachable, postgres: stores.postgres, keys: stores.leaderboards.keys),
                                      logger: StoreTestEnvironment.logger, metrics: NOOPMetricsHandler.instance, lanes: 1)
            let stoppedRun = Task { try await stopped.run() }
            try await record(["e5": "ben", "e6": "ben"], program: program, with: stopped)
            stoppedRun.cancel()
            _ = await stoppedRun.result
            await unreachable.shutdown()
            _ = try await stores.postgres.query("UPDATE members SET team = 'Sales' WHERE program_id = $1 AND member_id = 'cid'", [program.id])
            _ = try await stores.postgres.query("UPDATE members SET visibility = 'hidden' WHERE program_id = $1 AND member_id = 'dan'", [program.id])

            let maintenance = LeaderboardMaintenance(postgres: stores.postgres, redis: stores.redis,
                                                     namespace: stores.leaderboards.keys.namespace, logger: StoreTestEnvironment.logger)
            #expect(try await maintenance.check(program: program.id).count > 0, "Redis is behind before the new instance starts")

            let started = EventWriter(postgres: stores.postgres, leaderboards: Leaderboards(redis: stores.redis, postgres: stores.postgres, keys: stores.leaderboards.keys),
                                      logger: StoreTestEnvironment.logger, metrics: NOOPMetricsHandler.instance, lanes: 1)
            let startedRun = Task { try await started.run() }
            try await CatchUpTests.waitUntilInLine(started)
            #expect(try await stores.redis.send(["GET", sentinel]).string == "kept", "no rebuild: the namespace was not wiped")
            #expect(try await maintenance.check(program: program.id) == [])
            let board = try await stores.leaderboards.page(program: program, span: .period(.allTime), offset: 0, limit: 10)
            #expect(board.entries.map { "\($0.memberId ?? "?")=\($0.points)" } == ["ben=75", "ana=25", "cid=25"])
            let sales = try await stores.leaderboards.page(program: program, scope: .team("Sales"), span: .period(.allTime), offset: 0, limit: 10)
            #expect(sales.entries.map { $0.memberId ?? "?" } == ["cid"])
            #expect(try await stores.redis.send(["ZSCORE", stores.leaderboards.keys.key(for: Board(program: program.id, period: "all")), "ana"]).string == anaBefore,
                    "a member in line keeps their place among ties")
            startedRun.cancel()
            _ = await startedRun.result
        }
    }

    @Test func aRedisRestartMakesTheWriterReconcileEveryMember() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            try await CatchUpTests.waitUntilInLine(stores.writer)
            let program = try await stores.program(members: ["ana", "ben"])
            try await record(["e1": "ana", "e2": "ben"], program: program, with: stores.writer)
            // What a Redis restarted from an older snapshot looks like: a revision it had acknowledged is gone. Its run id
            // changes with the restart (here: the writer is told it last saw another server).
            _ = try await stores.redis.send(["HDEL", stores.leaderboards.keys.revisions(program: program.id), "ben"])
            _ = try await stores.redis.send(["ZREM", stores.leaderboards.keys.key(for: Board(program: program.id, period: "all")), "ben"])
            stores.writer.inLineWith.withLock { $0 = $0?.mapValues { _ in "a server before the restart" } }
            await stores.writer.repairProjectionIfNeeded()
            #expect(!stores.writer.projectionIsStale)
            let board = try await stores.leaderboards.page(program: program, span: .period(.allTime), offset: 0, limit: 10)
            #expect(board.entries.map { "\($0.memberId ?? "?")=\($0.points)" } == ["ana=25", "ben=25"])
        }
    }

    /// On a Redis Cluster, a shard whose replica took over (another run id at its address) has only its programs
    /// reconciled: a program on another shard is not read again.
    @Test func aShardThatRestartedHasOnlyItsProgramsReconciled() async throws {
        let cluster = try #require(ProcessInfo.processInfo.environment["RALLY_TEST_REDIS_CLUSTER_URL"].flatMap { $0.isEmpty ? nil : $0 },
                                   "RALLY_TEST_REDIS_CLUSTER_URL is not set: run the tests with ops/test")
        try await StoreTestEnvironment.run(lanes: 1, redisURL: cluster) { stores in
            try await CatchUpTests.waitUntilInLine(stores.writer)
            // Two programs on two shards.
            let first = try await stores.program(members: ["ana", "ben"])
            let shard = try await stores.redis.server(of: stores.leaderboards.keys.revisions(program: first.id))
            var second = try await stores.program(members: ["ana", "ben"])
            while try await stores.redis.server(of: stores.leaderboards.keys.revisions(program: second.id)) == shard {
                second = try await stores.program(members: ["ana", "ben"])
            }
            for program in [first, second] {
                try await record(["e1": "ana", "e2": "ben"], program: program, with: stores.writer)
                // Lost by both shards (as a replica behind its master would lose it).
                _ = try await stores.redis.send(["HDEL", stores.leaderboards.keys.revisions(program: program.id), "ben"])
                _ = try await stores.redis.send(["ZREM", stores.leaderboards.keys.key(for: Board(program: program.id, period: "all")), "ben"])
            }
            // Only the first program's shard answers with another run id.
            stores.writer.inLineWith.withLock { $0?[shard] = "the master before the failover" }
            await stores.writer.repairProjectionIfNeeded()
            #expect(!stores.writer.projectionIsStale)
            func top(_ program: ProgramContext) async throws -> [String] {
                try await stores.leaderboards.page(program: program, span: .period(.allTime), offset: 0, limit: 10).entries.map { "\($0.memberId ?? "?")=\($0.points)" }
            }
            #expect(try await top(first) == ["ana=25", "ben=25"], "the restarted shard's program is reconciled")
            #expect(try await top(second) == ["ana=25"], "the other shard's program is not read again")
        }
    }

    @Test func boardsBuiltUnderOtherRetentionAreRebuilt() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            try await CatchUpTests.waitUntilInLine(stores.writer)
            let sentinel = stores.leaderboards.keys.namespace + "/sentinel"
            _ = try await stores.redis.send(["SET", sentinel, "dropped by a rebuild"])
            // The projection as an instance keeping two periods of each kind would have built it.
            let other = BoardRetention(periods: [.day: 2, .week: 2, .month: 2, .quarter: 2, .year: 2])
            _ = try await stores.redis.send(["SET", stores.leaderboards.keys.ready, "retention " + other.description])
            let started = EventWriter(postgres: stores.postgres, leaderboards: Leaderboards(redis: stores.redis, postgres: stores.postgres, keys: stores.leaderboards.keys),
                                      logger: StoreTestEnvironment.logger, metrics: NOOPMetricsHandler.instance, lanes: 1)
            let startedRun = Task { try await started.run() }
            try await CatchUpTests.waitUntilInLine(started)
            #expect(try await stores.redis.send(["GET", sentinel]).string == nil, "rebuilt")
            #expect(try await stores.redis.send(["GET", stores.leaderboards.keys.ready]).string == stores.leaderboards.readyMark)
            startedRun.cancel()
            _ = await startedRun.result
        }
    }

    /// What the reconciliation accepts as in line, and what it resynchronises.
    @Test func whatCountsAsHeld() {
        let listing = Listing(displayName: "Ana", team: "Sales", anonymous: false)
        let ranked = MemberSnapshot(enrolled: true, visibility: .public, team: "Sales", region: nil)
        let placement = Projection.placement(ranked.scopes)
        let active = ExpectedPlacement(memberId: "ana", listing: listing, state: ranked, revision: 3)
        #expect(active.isHeld(revision: "3", placement: placement, listing: listing.stored))
        #expect(active.isHeld(revision: "4", placement: placement, listing: listing.stored), "another instance committed since")
        #expect(!active.isHeld(revision: "2", placement: placement, listing: listing.stored))
        #expect(!active.isHeld(revision: nil, placement: nil, listing: listing.stored))
        #expect(!active.isHeld(revision: "3", placement: "m/", listing: listing.stored), "moved team")
        #expect(!active.isHeld(revision: "3", placement: placement, listing: nil))
        #expect(!active.isHeld(revision: "3", placement: placement, listing: Listing(displayName: "Ana", team: "Sales", anonymous: true).stored))
        let newcomer = ExpectedPlacement(memberId: "ben", listing: listing, state: ranked, revision: 0)
        #expect(newcomer.isHeld(revision: nil, placement: nil, listing: listing.stored), "no totals yet: placed at the first change")
        #expect(newcomer.isHeld(revision: "0", placement: placement, listing: listing.stored))
        #expect(!newcomer.isHeld(revision: "0", placement: "m/", listing: listing.stored))
        let hidden = ExpectedPlacement(memberId: "cid", listing: listing, state: MemberSnapshot(enrolled: true, visibility: .hidden, team: "Sales", region: nil), revision: 5)
        #expect(hidden.isHeld(revision: nil, placement: nil, listing: nil))
        #expect(!hidden.isHeld(revision: "5", placement: placement, listing: nil))
        #expect(!hidden.isHeld(revision: nil, placement: nil, listing: listing.stored))
    }

    private func record(_ events: [String: String], program: ProgramContext, with writer: EventWriter) async throws {
        for (id, member) in events.sorted(by: { $0.key < $1.key }) {
            let event = Event(id: id, memberId: member, action: "post", network: nil, contentId: nil, occurredAt: Date(), tags: [])
            guard case .created = try await writer.record([EventSubmission(program: program, event: event, receivedAt: Date())]).first else {
                Issue.record("event \(id) was not created")
                return
            }
        }
    }
}
