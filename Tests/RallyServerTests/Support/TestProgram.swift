import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import RallyCore
import RallyServer
import Redis
import Testing

struct TestProgram: Sendable {
    let app: TestApp
    let id: String
    let adminKey: String
    var ingestKey: String
    var readKey: String

    var path: String { "/v1/programs/\(id)" }

    func createKey(role: String, label: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> KeyDTO {
        let response = try await app.send(.post, "\(path)/keys", key: adminKey, json: KeyInput(role: role, label: label))
        try requireStatus(response, .created, sourceLocation: sourceLocation)
        return try decode(KeyDTO.self, from: response)
    }

    @discardableResult
    func putMember(_ memberId: String, _ input: MemberInput = MemberInput(), key: String? = nil) async throws -> TestResponse {
        try await app.send(.put, "\(path)/members/\(memberId)", key: key ?? ingestKey, json: input)
    }

    /// Creates public, enrolled members named after their ids; fails the test on any other answer than 201.
    func addMembers(_ ids: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for memberId in ids {
            try requireStatus(try await putMember(memberId, MemberInput(displayName: memberId.uppercased())), .created, sourceLocation: sourceLocation)
        }
    }

    func postEvent(_ event: EventInput, key: String? = nil) async throws -> TestResponse {
        try await app.send(.post, "\(path)/events", key: key ?? ingestKey, json: event)
    }

    /// Posts an event that must be created (201) and returns its result.
    @discardableResult
    func record(_ event: EventInput, sourceLocation: SourceLocation = #_sourceLocation) async throws -> EventResultDTO {
        let response = try await postEvent(event)
        try requireStatus(response, .created, sourceLocation: sourceLocation)
        return try decode(EventResultDTO.self, from: response, sourceLocation: sourceLocation)
    }

    func postBatch(_ events: [EventInput]) async throws -> TestResponse {
        try await app.send(.post, "\(path)/events/batch", key: ingestKey, json: BatchInput(events: events))
    }

    /// Posts a batch that must be answered 200 and returns its results.
    func recordBatch(_ events: [EventInput], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [BatchItemDTO] {
        let response = try await postBatch(events)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(BatchDTO.self, from: response, sourceLocation: sourceLocation).results
    }

    func profile(_ memberId: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> ProfileDTO {
        let response = try await app.send(.get, "\(path)/members/\(memberId)", key: readKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(ProfileDTO.self, from: response, sourceLocation: sourceLocation)
    }

    func ledgerPage(_ memberId: String, limit: Int? = nil, cursor: String? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation) async throws -> LedgerDTO {
        let response = try await app.send(.get, "\(path)/members/\(memberId)/ledger" + query(["limit": limit.map(String.init), "cursor": cursor]),
                                          key: readKey)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(LedgerDTO.self, from: response, sourceLocation: sourceLocation)
    }

    /// Every ledger entry of a member, newest first, following the cursors.
    func fullLedger(_ memberId: String, pageSize: Int = 50, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [LedgerEntryDTO] {
        var entries: [LedgerEntryDTO] = []
        var cursor: String?
        repeat {
            let page = try await ledgerPage(memberId, limit: pageSize, cursor: cursor, sourceLocation: sourceLocation)
            entries += page.entries
            cursor = page.nextCursor
        } while cursor != nil
        return entries
    }

    func boardResponse(period: String? = nil, at: String? = nil, limit: Int? = nil, offset: Int? = nil,
                       team: String? = nil, region: String? = nil, campaign: String? = nil) async throws -> TestResponse {
        let parameters = query(["period": period, "at": at, "limit": limit.map(String.init), "offset": offset.map(String.init),
                                "team": team.map(Self.escaped), "region": region.map(Self.escaped), "campaign": campaign])
        return try await app.send(.get, "\(path)/leaderboards/members" + parameters, key: readKey)
    }

    func board(period: String? = nil, at: String? = nil, limit: Int? = nil, offset: Int? = nil, team: String? = nil, region: String? = nil,
               campaign: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> BoardDTO {
        let response = try await boardResponse(period: period, at: at, limit: limit, offset: offset, team: team, region: region, campaign: campaign)
        try requireStatus(response, .ok, sourceLocation: sourceLocation)
        return try decode(BoardDTO.self, from: response, sourceLocation: sourceLocation)
    }

    /// Waits until `/readyz` reports the leaderboards rebuilt, then polls the board until it answers 200
    /// (503 while the projection is rebuilt; a page cached before Redis lost it may answer at once), for up to `timeout`.
    func boardWhenReady(period: String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation) async throws -> BoardDTO {
        let deadline = ContinuousClock.now + timeout
        while try await text(app.send(.get, "/readyz", key: nil)).contains("\"leaderboards\":\"rebuilding\"") {
            guard ContinuousClock.now < deadline else {
                Issue.record("the leaderboards were not rebuilt within \(timeout)", sourceLocation: sourceLocation)
                throw TestFailure("leaderboards not rebuilt in time")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        while true {
            let response = try await boardResponse(period: period, limit: 100)
            if response.status == .ok { return try decode(BoardDTO.self, from: response, sourceLocation: sourceLocation) }
            #expect(response.status == .serviceUnavailable, "while rebuilding the board may only answer 503: \(text(response))",
                    sourceLocation: sourceLocation)
            if response.status == .serviceUnavailable {
                let error = try decode(ErrorDTO.self, from: response, sourceLocation: sourceLocation).error
                #expect(error.code == "dependency_unavailable", sourceLocation: sourceLocation)
            }
            guard ContinuousClock.now < deadline else {
                Issue.record("the \(period) board did not come back within \(timeout): \(text(response))", sourceLocation: sourceLocation)
                throw TestFailure("leaderboard not rebuilt in time")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A query value percent-encoded (team names hold spaces, `&` and the like).
    static func escaped(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
    }

    private func query(_ parameters: KeyValuePairs<String, String?>) -> String {
        let present = parameters.compactMap { name, value in value.map { "\(name)=\($0)" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
