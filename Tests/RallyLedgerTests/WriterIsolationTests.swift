import Foundation
import Postgres
import RallyCore
import RallyLedger
@testable import RallyLedger
import RallyStorage
import RallyTestSupport
import Testing

/// One submission that PostgreSQL refuses must not fail the others committed in the same group.
@Suite("Group commit isolates what PostgreSQL refuses")
struct WriterIsolationTests {
    static let now = Date()

    /// An event as the API would hand it over, but built directly: these values never passed validation.
    static func submission(_ program: ProgramContext, _ id: String, _ memberId: String, _ action: String, tags: [String] = [],
                           contentId: String? = nil, occurredAt: Date = now) -> EventSubmission {
        EventSubmission(program: program, event: Event(id: id, memberId: memberId, action: action, network: nil, contentId: contentId,
                                                       occurredAt: occurredAt, tags: tags),
                        receivedAt: now)
    }

    static func summary(_ outcome: EventOutcome) -> String {
        switch outcome {
        case let .created(result): "created \(result.points) lifetime \(result.member.points.lifetime)"
        case let .duplicate(result): "duplicate \(result.points)"
        case let .rejected(error): "rejected \(error.code.rawValue)"
        }
    }

    @Test func refusedSubmissionsAnswerAloneAndTheRestOfTheGroupCommits() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            // Two programs in one lane: one call is one group, one transaction.
            let acme = try await stores.program(members: ["ana", "ben"])
            let globex = try await stores.program(members: ["cid"])
            let group = [
                Self.submission(acme, "a1", "ana", "share"),
                Self.submission(acme, "a2", "ana", "post", tags: ["nul\u{0}inside"]),          // jsonb refuses \u0000 (22P05)
                Self.submission(globex, "g1", "cid", "post"),
                Self.submission(globex, "g2", "cid", "like", occurredAt: Date(timeIntervalSince1970: 1e13)), // beyond timestamptz (22008)
                Self.submission(acme, "a3", "ana", "like"),
                Self.submission(acme, "a4", "ben", "comment", contentId: "c\u{0}"),           // a NUL in a text parameter
                Self.submission(acme, "a5", "ben", "share"),
                Self.submission(acme, "a1", "ana", "share"),                                  // a retry inside the group
            ]
            let outcomes = try await stores.writer.record(group).map(Self.summary)
            // The group is found out by halves, each part under its savepoint: a1 is recorded alone (ana has 10), a3 later
            // (ana has 11); the retry of a1 finds it stored.
            #expect(outcomes == [
                "created 10 lifetime 10", "rejected not_storable", "created 25 lifetime 25", "rejected not_storable",
                "created 1 lifetime 11", "rejected not_storable", "created 10 lifetime 10", "duplicate 10",
            ])
            #expect(try await stores.column("event_id", of: "events", program: acme.id) == ["a1", "a3", "a5"])
            #expect(try await stores.column("event_id", of: "events", program: globex.id) == ["g1"])
            #expect(try await stores.column("event_id", of: "ledger", program: acme.id, orderedBy: "id") == ["a1", "a3", "a5"])
            #expect(try await stores.column("member_id || '=' || points", of: "member_totals", program: acme.id)
                == ["ana=11", "ben=10"])
        }
    }

    @Test func aGroupOfOneRefusedSubmissionAnswersItsErrorWithoutDetail() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            let acme = try await stores.program(members: ["ana"])
            let outcomes = try await stores.writer.record([Self.submission(acme, "a1", "ana", "share", tags: ["\u{0}"])])
            guard case let .rejected(error) = try #require(outcomes.first) else {
                Issue.record("expected a rejection, got \(outcomes)")
                return
            }
            #expect(error.code == .notStorable)
            #expect(!error.message.contains("jsonb") && !error.message.contains("22P05"), "\(error.message)")
            #expect(error.internalDetail?.contains("22P05") == true, "the log keeps PostgreSQL's own words")
            // The lane goes on: the next group commits.
            #expect(try await stores.writer.record([Self.submission(acme, "a2", "ana", "share")]).map(Self.summary) == ["created 10 lifetime 10"])
        }
    }

    @Test func everySubmissionRefusedCommitsNothingAndAnswersEach() async throws {
        try await StoreTestEnvironment.run(lanes: 1) { stores in
            let acme = try await stores.program(members: ["ana"])
            let group = (1...5).map { Self.submission(acme, "a\($0)", "ana", "share", tags: ["x\u{0}\($0)"]) }
            #expect(try await stores.writer.record(group).map(Self.summary) == Array(repeating: "rejected not_storable", count: 5))
            #expect(try await stores.column("event_id", of: "events", program: acme.id) == [])
        }
    }
}
