import Foundation
import Metrics
import Postgres
import RallyCore
@testable import RallyLedger
import RallyTestSupport
import Testing

/// Rank badges are given when their period closes in the program's zone, from the final standings, ties included; a
/// close is made once whatever instance or restart comes to it.
@Suite("Period closes")
struct PeriodCloseTests {
    @Test func theLeadersOfAClosedDayGetTheRankBadgeTiesIncludedOnce() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            let program = try await stores.program(members: ["ana", "ben", "cid", "dan", "eve"])
            _ = try await stores.members.upsert(program: program.id, [
                ("eve", MemberProfile(displayName: "Eve", team: nil, region: nil, enrolled: true, audience: [:], visibility: .hidden)),
                ("dan", MemberProfile(displayName: "Dan", team: "Ops", region: nil, enrolled: true, audience: [:], visibility: .public)),
            ])
            let store = BadgeStore(postgres: stores.postgres)
            _ = try await store.put(Badge(id: "podium", name: "Podium", criteria: .rank(period: .day, scope: .program),
                                          tiers: [BadgeTier(id: "top3", threshold: 3), BadgeTier(id: "first", threshold: 1)]), program: program.id, actor: "test")
            _ = try await store.put(Badge(id: "team-lead", name: "Team lead", criteria: .rank(period: .day, scope: .team),
                                          tiers: [BadgeTier(id: nil, threshold: 1)]), program: program.id, actor: "test")
            _ = try await stores.postgres.query("""
                INSERT INTO webhooks (program_id, webhook_id, url, events, secret) VALUES ($1, 'hook', 'http://127.0.0.1:9/', '{leaderboard.closed,badge.awarded}', 'a-secret-of-16-chars')
                """, [program.id])
            let fresh = try await stores.programs.fresh(program.id)
            let now = Date()
            // Today: ana 50 (two posts), ben 25 and cid 25 tie for 2nd, dan 10, eve (hidden) 100.
            var count = 0
            for (member, action) in [("ana", "post"), ("ana", "post"), ("ben", "post"), ("cid", "post"), ("dan", "share"),
                                     ("eve", "post"), ("eve", "post"), ("eve", "post"), ("eve", "post")] {
                count += 1
                _ = try await stores.writer.record([EventSubmission(program: fresh, event: Event(id: "e\(count)", memberId: member, action: action,
                                                                                                 network: nil, contentId: nil, occurredAt: now, tags: []),
                                                                   receivedAt: now)])
            }
            let awarder = BadgeAwarder(postgres: stores.postgres, programs: stores.programs, logger: StoreTestEnvironment.logger,
                                       metrics: NOOPMetricsHandler.instance)
            // Nothing has ended yet.
            try await awarder.closeEndedPeriods(now: now, program: program.id)
            #expect(try await stores.column("period_key", of: "period_closes", program: program.id).isEmpty)

            // A day later (seen from tomorrow), today has closed.
            let tomorrow = now.addingTimeInterval(86_400)
            try await awarder.closeEndedPeriods(now: tomorrow, program: program.id)
            let today = fresh.calendar.period(.day, containing: now).key
            let held = try await stores.column("member_id || ' ' || badge_id || ' ' || tier || ' ' || period_key", of: "member_badges", program: program.id)
            #expect(held.sorted() == ["ana podium first \(today)", "ana podium top3 \(today)", "ben podium top3 \(today)", "cid podium top3 \(today)",
                                      "dan team-lead  \(today)"].sorted(), "ben and cid tie for 2nd; dan leads Ops; eve is hidden")
            // (The webhook hears of every kind of period: a week or month that ended today is closed too.)
            #expect(try await stores.column("kind || ' ' || period_key", of: "period_closes", program: program.id, where: "kind = 'day'") == ["day \(today)"])
            let closed = try await stores.column("data", of: "webhook_deliveries", program: program.id,
                                                 where: "type = 'leaderboard.closed' AND data->'period'->>'kind' = 'day'")
            let data = try #require(closed.first.flatMap(JSONValue.init(text:)))
            guard case let .object(fields) = data, case let .array(entries)? = fields["entries"] else { Issue.record("\(data)"); return }
            #expect(fields["total"] == .integer(4))
            #expect(entries.map { entry -> String in
                guard case let .object(e) = entry, case let .integer(rank)? = e["rank"], case let .string(id)? = e["memberId"],
                      case let .integer(points)? = e["points"] else { return "?" }
                return "\(rank) \(id) \(points)"
            } == ["1 ana 50", "2 ben 25", "2 cid 25", "4 dan 10"])
            #expect(try await stores.column("type", of: "webhook_deliveries", program: program.id, where: "type = 'badge.awarded'").count == 5)

            // Another instance (or this one restarted) comes to the same close: nothing is given or announced twice; a
            // day that ended while nothing ran is closed too.
            let restarted = BadgeAwarder(postgres: stores.postgres, programs: stores.programs, logger: StoreTestEnvironment.logger,
                                         metrics: NOOPMetricsHandler.instance)
            try await restarted.closeEndedPeriods(now: tomorrow.addingTimeInterval(86_400), program: program.id)
            #expect(try await stores.column("member_badges", of: "member_badges", program: program.id).count == 5)
            #expect(try await stores.column("period_key", of: "period_closes", program: program.id, where: "kind = 'day'").count == 2)
            #expect(try await stores.column("type", of: "webhook_deliveries", program: program.id,
                                            where: "type = 'leaderboard.closed' AND data->'period'->>'kind' = 'day'").count == 2)
        }
    }
}
