import Foundation
import Postgres
import RallyCore
@testable import RallyLedger
import RallyTestSupport
import Testing

/// History kept in partitions: a program's events in one hash partition, the ledger in one partition per month, the
/// months ahead made by the scheduler, an old month detachable without stopping writes.
@Suite("Partitioned history")
struct LedgerPartitionTests {
    @Test func pointsLandInTheirMonthAndTheMonthsAheadAreMadeAndDetachable() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            let program = try await stores.program(members: ["ana"])
            let now = Date()
            let event = Event(id: "e1", memberId: "ana", action: "post", network: nil, contentId: nil, occurredAt: now, tags: [])
            _ = try await stores.writer.record([EventSubmission(program: program, event: event, receivedAt: now)])
            _ = try await stores.writer.record([EventSubmission(program: program, event: event, receivedAt: now)])

            let month = try await stores.postgres.query("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM') AS m")[0].string("m")
            let ledger = try await stores.postgres.query("SELECT tableoid::regclass::text AS part, points FROM ledger WHERE program_id = $1", [program.id])
            #expect(try ledger.map { try "\($0.string("part")) \($0.int("points"))" } == ["ledger_\(month) 25"], "one award, in this month's partition")
            let events = try await stores.postgres.query("SELECT tableoid::regclass::text AS part FROM events WHERE program_id = $1", [program.id])
            let sibling = try await stores.program(members: ["ben"])
            _ = try await stores.writer.record([EventSubmission(program: sibling, event: Event(id: "e1", memberId: "ben", action: "post", network: nil,
                                                                                           contentId: nil, occurredAt: now, tags: []), receivedAt: now)])
            #expect(events.count == 1, "the same id again is the same event")
            #expect(try events[0].string("part").hasPrefix("events_"))
            #expect(try await stores.postgres.query("SELECT count(*) AS n FROM events WHERE event_id = 'e1' AND program_id IN ($1, $2)",
                                                    [program.id, sibling.id])[0].int("n") == 2, "an id is unique within its program only")

            // The furthest month ahead, detached while nothing holds the ledger (no default partition forbids it), is
            // made again by the scheduler's pass; nothing else is missing.
            let ahead = try await stores.postgres.query("""
                SELECT 'ledger_' || to_char(now() AT TIME ZONE 'UTC' + interval '\(LedgerPartitions.monthsAhead) months', 'YYYY_MM') AS name
                """)[0].string("name")
            try await stores.postgres.query("ALTER TABLE ledger DETACH PARTITION \(ahead) CONCURRENTLY")
            try await stores.postgres.query("DROP TABLE \(ahead)")
            #expect(try await LedgerPartitions.createAhead(on: stores.postgres) == 1)
            #expect(try await LedgerPartitions.createAhead(on: stores.postgres) == 0)
            #expect(try await stores.postgres.query("SELECT to_regclass($1) IS NOT NULL AS made", [ahead])[0].bool("made"))
        }
    }
}
