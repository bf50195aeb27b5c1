import Foundation
import HummingbirdTesting
import Testing

struct ReachDTO: Decodable, Equatable {
    struct MediaValue: Decodable, Equatable {
        var amount: Double
        var currency: String
        var model: String
    }

    struct Network: Decodable, Equatable {
        var network: String?
        var shares: Int
        var posts: Int
        var potentialReach: Int
        var engagement: Int
        var mediaValue: Double?
    }

    struct Group: Decodable, Equatable {
        var team: String?
        var shares: Int
        var posts: Int
        var potentialReach: Int
        var engagement: Int
        var mediaValue: MediaValue?
    }

    var shares: Int
    var posts: Int
    var potentialReach: Int
    var engagement: Int
    var mediaValue: MediaValue?
    var networks: [Network]
    var groups: [Group]?
}

/// `GET …/analytics/reach`: shares, posts, the audience they reached (as each sharer's audience was then), clicks, and
/// what that is worth under the program's media model.
@Suite("Analytics: reach and media value")
struct ReachTests {
    static func reach(_ program: TestProgram, _ query: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> ReachDTO {
        let response = try await program.app.send(.get, "\(program.path)/analytics/reach?\(query)", key: program.adminKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(ReachDTO.self, from: response, sourceLocation: sourceLocation)
    }

    /// November 2026 (UTC). ana's audience: linkedin 100 and x 50 from the 1st, linkedin 300 and x 80 from the 10th; ben's
    /// linkedin 1000 from the 1st; cid's linkedin 70 from the 10th only. ana shares on linkedin (5th, 12th) and x (6th,
    /// 12th); ben shares on linkedin (7th), posts (8th), and has a share retracted (9th); cid shares on linkedin on the
    /// 3rd, before Rally knew his audience (his first one counts). Four clicks: three on linkedin, one on x.
    @Test func sharesReachTheAudienceTheirSharerHadThen() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram(timezone: "UTC", backfillDays: 3660)
            try requireStatus(try await app.send(.put, "\(program.path)/rules", key: program.adminKey,
                                                 body: #"{"actions": {"post": {"points": 25}, "share": {"points": 10}, "click": {"points": 1}}}"#), .ok)
            for (member, team) in [("ana", "Sales"), ("ben", "Marketing"), ("cid", "Sales")] {
                try requireStatus(try await program.putMember(member, MemberInput(displayName: member, team: team)), .created)
            }
            try await program.app.database.setAudiences(program: program.id, [
                ("ana", "2026-11-01T00:00:00Z", ["linkedin": 100, "x": 50]), ("ana", "2026-11-10T00:00:00Z", ["linkedin": 300, "x": 80]),
                ("ben", "2026-11-01T00:00:00Z", ["linkedin": 1000]), ("cid", "2026-11-10T00:00:00Z", ["linkedin": 70]),
            ])
            let events: [(String, String, String, String?, String)] = [
                ("s1", "ana", "share", "linkedin", "05"), ("s2", "ana", "share", "x", "06"), ("s3", "ana", "share", "linkedin", "12"),
                ("s4", "ana", "share", "x", "12"), ("s5", "ben", "share", "linkedin", "07"), ("p1", "ben", "post", "linkedin", "08"),
                ("s6", "ben", "share", "linkedin", "09"), ("s7", "cid", "share", "linkedin", "03"),
                ("c1", "ana", "click", "linkedin", "13"), ("c2", "ana", "click", "linkedin", "13"), ("c3", "ben", "click", "linkedin", "13"),
                ("c4", "ana", "click", "x", "14"), ("late", "ana", "share", "linkedin", "20"),
            ]
            for (id, member, action, network, day) in events {
                try await program.record(EventInput(id: id, memberId: member, action: action, network: network, occurredAt: "2026-11-\(day)T09:00:00Z"))
            }
            try requireStatus(try await app.send(.delete, "\(program.path)/events/s6", key: program.adminKey), .ok)

            let window = "from=2026-11-01&to=2026-11-15"
            let plain = try await Self.reach(program, window)
            // linkedin 100 + 300 + 1000 + 70; x 50 + 80.
            #expect(plain.shares == 6 && plain.posts == 1 && plain.potentialReach == 1600 && plain.engagement == 4 && plain.mediaValue == nil)
            #expect(plain.networks == [
                .init(network: "linkedin", shares: 4, posts: 1, potentialReach: 1470, engagement: 3, mediaValue: nil),
                .init(network: "x", shares: 2, posts: 0, potentialReach: 130, engagement: 1, mediaValue: nil),
            ])

            func valued(_ model: String) async throws -> ReachDTO {
                try requireStatus(try await app.send(.patch, program.path, key: program.adminKey, body: #"{"mediaValue": \#(model)}"#), .ok)
                return try await Self.reach(program, window)
            }
            let perShare = try await valued(#"{"currency": "EUR", "perShare": {"linkedin": 50, "x": 20}}"#)
            #expect(perShare.mediaValue == .init(amount: 240, currency: "EUR", model: "perShare"))
            #expect(perShare.networks.map(\.mediaValue) == [200, 40])
            let cpm = try await valued(#"{"currency": "USD", "cpm": {"linkedin": 12.5}}"#)
            #expect(cpm.mediaValue == .init(amount: 18.38, currency: "USD", model: "cpm"))
            #expect(cpm.networks.map(\.mediaValue) == [18.38, 0])
            let cpc = try await valued(#"{"currency": "EUR", "cpc": {"linkedin": 2.25, "x": 1}}"#)
            #expect(cpc.mediaValue == .init(amount: 7.75, currency: "EUR", model: "cpc"))

            let teams = try await Self.reach(program, "\(window)&groupBy=team")
            #expect(teams.groups == [
                .init(team: "Marketing", shares: 1, posts: 1, potentialReach: 1000, engagement: 1, mediaValue: .init(amount: 2.25, currency: "EUR", model: "cpc")),
                .init(team: "Sales", shares: 5, posts: 0, potentialReach: 600, engagement: 3, mediaValue: .init(amount: 5.5, currency: "EUR", model: "cpc")),
            ])
            // The read key sees no analytics.
            try requireStatus(try await app.send(.get, "\(program.path)/analytics/reach", key: program.readKey), .forbidden)
        }
    }
}
