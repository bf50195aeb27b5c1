import Foundation
import HummingbirdTesting
import Testing

struct SatisfactionDTO: Decodable, Equatable {
    struct Group: Decodable, Equatable {
        var suppressed: Bool
        var responses: Int?
        var average: Double?
        var enps: Double?
        var promoters: Int?
        var passives: Int?
        var detractors: Int?
        var distribution: [String: Int]?

        static let hidden = Group(suppressed: true)

        init(suppressed: Bool = false, responses: Int? = nil, average: Double? = nil, enps: Double? = nil, promoters: Int? = nil,
             passives: Int? = nil, detractors: Int? = nil, distribution: [String: Int]? = nil) {
            self.suppressed = suppressed
            self.responses = responses
            self.average = average
            self.enps = enps
            self.promoters = promoters
            self.passives = passives
            self.detractors = detractors
            self.distribution = distribution
        }
    }

    struct Difference: Decodable, Equatable {
        var average: Double?
        var enps: Double?
    }

    struct Row: Decodable, Equatable {
        var team: String?
        var suppressed: Bool
        var responses: Int?
        var average: Double?
        var enps: Double?
        var ambassadors: Group
        var others: Group
        var difference: Difference
    }

    var kind: String
    var suppressed: Bool
    var responses: Int?
    var average: Double?
    var enps: Double?
    var promoters: Int?
    var passives: Int?
    var detractors: Int?
    var distribution: [String: Int]?
    var ambassadors: Group
    var others: Group
    var difference: Difference
    var groups: [Row]?
}

struct SurveyResponseDTO: Decodable, Equatable {
    var id: String
    var outcome: String
    var memberId: String?
    var kind: String
    var score: Int
    var answeredAt: String
}

/// Surveys (`POST …/surveys/responses`, `/batch`) and `GET …/analytics/satisfaction`: eNPS and satisfaction, ambassadors
/// against others, and no group of fewer than five respondents readable.
@Suite("Analytics: surveys and satisfaction")
struct SatisfactionTests {
    static func answer(_ program: TestProgram, _ body: String, key: String? = nil) async throws -> TestResponse {
        try await program.app.send(.post, "\(program.path)/surveys/responses", key: key ?? program.ingestKey, body: body)
    }

    static func satisfaction(_ program: TestProgram, _ query: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> SatisfactionDTO
    {
        let response = try await program.app.send(.get, "\(program.path)/analytics/satisfaction?\(query)", key: program.adminKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(SatisfactionDTO.self, from: response, sourceLocation: sourceLocation)
    }

    /// Members answer `scores` in order (`prefix1`, `prefix2`, …), now.
    static func answers(_ program: TestProgram, prefix: String, kind: String = "enps", _ scores: [Int]) async throws {
        let items = scores.enumerated().map { index, score in
            #"{"id": "\#(kind)-\#(prefix)\#(index + 1)", "memberId": "\#(prefix)\#(index + 1)", "kind": "\#(kind)", "score": \#(score)}"#
        }
        let response = try await program.app.send(.post, "\(program.path)/surveys/responses/batch", key: program.ingestKey,
                                                   body: #"{"responses": [\#(items.joined(separator: ","))]}"#)
        try requireStatus(response, .ok)
        #expect(try decode(BatchDTO.self, from: response).results.allSatisfy { $0.error == nil })
    }

    static func today() -> String { String(Timestamp.rfc3339(Timestamp.now()).prefix(10)) }

    @Test func answersAreRecordedOnceByIdAndCheckedFieldByField() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            let now = Timestamp.rfc3339(Timestamp.now())
            let first = try await Self.answer(program, #"{"id": "r1", "memberId": "ana", "kind": "enps", "score": 9, "answeredAt": "\#(now)"}"#)
            try requireStatus(first, .created)
            let created = try decode(SurveyResponseDTO.self, from: first)
            #expect(created.outcome == "created" && created.memberId == "ana" && created.kind == "enps" && created.score == 9)
            let again = try await Self.answer(program, #"{"id": "r1", "memberId": "ana", "kind": "enps", "score": 9, "answeredAt": "\#(now)"}"#)
            try requireStatus(again, .ok)
            #expect(try decode(SurveyResponseDTO.self, from: again).outcome == "duplicate")
            // A retry that leaves the instant out matches what was stored.
            try requireStatus(try await Self.answer(program, #"{"id": "r1", "memberId": "ana", "kind": "enps", "score": 9}"#), .ok)
            let changed = try await Self.answer(program, #"{"id": "r1", "memberId": "ana", "kind": "enps", "score": 3}"#)
            try requireStatus(changed, .conflict)
            #expect(try decode(ErrorDTO.self, from: changed).error.code == "conflict")
            let anonymous = try await Self.answer(program, #"{"id": "r2", "kind": "satisfaction", "score": 4}"#, key: program.adminKey)
            try requireStatus(anonymous, .created)
            #expect(try decode(SurveyResponseDTO.self, from: anonymous).memberId == nil)
            try requireStatus(try await Self.answer(program, #"{"id": "r3", "kind": "enps", "score": 5}"#, key: program.readKey), .forbidden)

            func fields(_ body: String) async throws -> [String] {
                let response = try await Self.answer(program, body)
                try requireStatus(response, .unprocessableContent)
                return try decode(ErrorDTO.self, from: response).error.details.map(\.field)
            }
            #expect(try await fields(#"{"id": "x", "kind": "enps", "score": 11}"#) == ["score"])
            #expect(try await fields(#"{"id": "x", "kind": "satisfaction", "score": 0}"#) == ["score"])
            #expect(try await fields(#"{"id": "x", "kind": "nps", "score": 5}"#) == ["kind"])
            #expect(try await fields(#"{"id": "x", "kind": "enps", "score": 9.5}"#) == ["score"])
            #expect(try await fields(#"{"kind": "enps", "score": 9, "memberId": "a b"}"#) == ["id", "memberId"])
            #expect(try await fields(#"{"id": "x", "kind": "enps", "score": 9, "answeredAt": "2099-01-01T00:00:00Z"}"#) == ["answeredAt"])
            #expect(try await fields(#"{"id": "x", "kind": "enps", "score": 9, "answeredAt": "yesterday"}"#) == ["answeredAt"])

            // A batch: each answer on its own; an id given twice is recorded once.
            let batch = try await app.send(.post, "\(program.path)/surveys/responses/batch", key: program.ingestKey, body: """
                {"responses": [{"id": "b1", "kind": "enps", "score": 10}, {"id": "b2", "kind": "enps", "score": 12},
                               {"id": "b1", "kind": "enps", "score": 10}, {"id": "r1", "memberId": "ana", "kind": "enps", "score": 1},
                               {"id": "b1", "kind": "enps", "score": 2}]}
                """)
            try requireStatus(batch, .ok)
            let results = try decode(BatchDTO.self, from: batch).results
            #expect(results.map { $0.error?.code } == [nil, "validation_failed", nil, "conflict", "conflict"])
            #expect(results[1].error?.details.map(\.field) == ["responses[1].score"])
            let raw = text(batch)
            #expect(raw.contains(#""id":"b1","outcome":"created""#) && raw.contains(#""id":"b1","outcome":"duplicate""#), "\(raw)")
            let empty = try await app.send(.post, "\(program.path)/surveys/responses/batch", key: program.ingestKey, body: #"{"responses": []}"#)
            try requireStatus(empty, .unprocessableContent)
        }
    }

    @Test func eNPSOfAKnownDistributionSplitsAmbassadorsFromOthers() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC")
            try await program.addMembers((1...6).map { "a\($0)" } + (1...6).map { "o\($0)" })
            for index in 1...6 { try await program.record(EventInput(id: "like-a\(index)", memberId: "a\(index)", action: "like")) }
            // o1 answered 0 an hour ago, then 6: only the latest counts.
            let earlier = Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-3600))
            try requireStatus(try await Self.answer(program, #"{"id": "early-o1", "memberId": "o1", "kind": "enps", "score": 0, "answeredAt": "\#(earlier)"}"#),
                              .created)
            try await Self.answers(program, prefix: "a", [10, 9, 9, 8, 7, 10])
            try await Self.answers(program, prefix: "o", [6, 5, 9, 7, 3, 10])
            try requireStatus(try await Self.answer(program, #"{"id": "anon-1", "kind": "enps", "score": 0}"#), .created)
            try await Self.answers(program, prefix: "a", kind: "satisfaction", [5, 4, 4, 3, 5])

            let today = Self.today()
            let enps = try await Self.satisfaction(program, "kind=enps&from=\(today)&to=\(today)")
            // 13 answers: 6 promoters, 3 passives, 4 detractors (the anonymous 0 among the others).
            #expect(enps.kind == "enps" && !enps.suppressed && enps.responses == 13 && enps.promoters == 6 && enps.passives == 3 && enps.detractors == 4)
            #expect(enps.enps == 15.4 && enps.average == 7.15)
            #expect(enps.distribution == ["0": 1, "1": 0, "2": 0, "3": 1, "4": 0, "5": 1, "6": 1, "7": 2, "8": 1, "9": 3, "10": 3])
            #expect(enps.ambassadors == .init(responses: 6, average: 8.83, enps: 66.7, promoters: 4, passives: 2, detractors: 0,
                                               distribution: ["0": 0, "1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 1, "8": 1, "9": 2, "10": 2]))
            #expect(enps.others.responses == 7 && enps.others.enps == -28.6 && enps.others.average == 5.71)
            #expect(enps.difference == .init(average: 3.12, enps: 95.2))
            #expect(enps.groups == nil)

            let satisfaction = try await Self.satisfaction(program, "kind=satisfaction&from=\(today)&to=\(today)")
            #expect(satisfaction.responses == 5 && satisfaction.average == 4.2 && satisfaction.enps == nil && satisfaction.promoters == nil)
            #expect(satisfaction.distribution == ["1": 0, "2": 0, "3": 1, "4": 2, "5": 2])
            #expect(satisfaction.ambassadors.responses == 5 && satisfaction.others == .hidden && satisfaction.difference == .init())

            // Answers outside the window do not count; nor do members active only outside it count as ambassadors.
            let yesterday = String(Timestamp.rfc3339(Timestamp.now().addingTimeInterval(-86_400)).prefix(10))
            let before = try await Self.satisfaction(program, "from=\(yesterday)&to=\(yesterday)")
            #expect(before.suppressed && before.responses == nil && before.ambassadors == .hidden && before.others == .hidden)
        }
    }

    @Test func groupsOfFewerThanFiveAreSuppressedAlsoWhenSubtractionWouldRevealThem() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC")
            for index in 1...7 { try requireStatus(try await program.putMember("s\(index)", MemberInput(displayName: "S", team: "Sales")), .created) }
            for index in 1...12 { try requireStatus(try await program.putMember("m\(index)", MemberInput(displayName: "M", team: "Marketing")), .created) }
            for member in ["s1", "s2"] + (1...6).map({ "m\($0)" }) {
                try await program.record(EventInput(id: "share-\(member)", memberId: member, action: "share"))
            }
            try await Self.answers(program, prefix: "s", [9, 9, 8, 8, 7, 6, 10])
            try await Self.answers(program, prefix: "m", [9, 9, 9, 9, 9, 9, 5, 5, 5, 5, 5, 5])
            let today = Self.today()

            let whole = try await Self.satisfaction(program, "from=\(today)&to=\(today)")
            #expect(whole.responses == 19 && whole.ambassadors.responses == 8 && whole.others.responses == 11)
            #expect(whole.difference.enps != nil)

            let teams = try await Self.satisfaction(program, "from=\(today)&to=\(today)&groupBy=team")
            #expect(teams.responses == 19 && teams.ambassadors.responses == 8 && teams.others.responses == 11)
            let rows = try #require(teams.groups)
            #expect(rows.map(\.team) == ["Marketing", "Sales"])
            // Sales has 2 ambassadors: hidden, and so its others (Sales' total minus them would give the two away).
            #expect(rows[1].responses == 7 && !rows[1].suppressed && rows[1].ambassadors == .hidden && rows[1].others == .hidden)
            #expect(rows[1].difference == .init())
            // The program's ambassadors minus Marketing's would give Sales' two away: Marketing's split is hidden too.
            #expect(rows[0].responses == 12 && rows[0].ambassadors == .hidden && rows[0].others == .hidden)
            #expect(rows[0].average == 7)

            // Four respondents: hidden; five: shown.
            let small = try await app.createProgram(timezone: "UTC")
            try await small.addMembers((1...5).map { "p\($0)" })
            try await Self.answers(small, prefix: "p", [10, 10, 10, 2])
            let four = try await Self.satisfaction(small, "from=\(today)&to=\(today)")
            #expect(four.suppressed && four.responses == nil && four.enps == nil && four.distribution == nil && four.promoters == nil)
            try requireStatus(try await Self.answer(small, #"{"id": "fifth", "memberId": "p5", "kind": "enps", "score": 8}"#), .created)
            let five = try await Self.satisfaction(small, "from=\(today)&to=\(today)")
            #expect(!five.suppressed && five.responses == 5 && five.enps == 40 && five.others.responses == 5 && five.ambassadors == .hidden)
        }
    }
}
