import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Operations: health, readiness, metrics, errors and request ids")
struct OperationsTests {
    @Test func healthzAnswersOk() async throws {
        try await TestApp.run { app in
            let response = try await app.send(.get, "/healthz", key: nil)
            try requireStatus(response, .ok)
            #expect(try decode(StatusDTO.self, from: response) == StatusDTO(status: "ok"))
        }
    }

    @Test func readyzReportsPostgresAndRedisReachable() async throws {
        try await TestApp.run { app in
            let response = try await app.send(.get, "/readyz", key: nil)
            try requireStatus(response, .ok)
            let status = try decode(StatusDTO.self, from: response)
            #expect(status.status == "ready")
            #expect(status.postgres == "ok")
            #expect(status.redis == "ok")
            #expect(status.leaderboards == "ok")
            #expect(status.projectionLagSeconds == 0)
            let metrics = text(try await app.send(.get, "/metrics", key: nil))
            #expect(metrics.split(separator: "\n").contains("rally_projection_lag_seconds 0.0"), "\(metrics)")
        }
    }

    @Test func metricsCountRequestsAndRecordedEvents() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana"])
            let event = EventInput(id: "e1", memberId: "ana", action: "share")
            try await program.record(event)
            try requireStatus(try await program.postEvent(event), .ok)

            let response = try await app.send(.get, "/metrics", key: nil)
            try requireStatus(response, .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let lines = text(response).split(separator: "\n").map(String.init)
            #expect(lines.contains("rally_events_recorded_total{outcome=\"created\"} 1"), "\(text(response))")
            #expect(lines.contains("rally_events_recorded_total{outcome=\"duplicate\"} 1"), "\(text(response))")
            // One 201 on the events route (labels in any order).
            let created = lines.filter {
                $0.hasPrefix("rally_http_requests_total{") && $0.contains("method=\"POST\"") && $0.contains("status=\"201\"")
                    && $0.contains("/events")
            }
            #expect(created.count == 1, "\(lines.filter { $0.hasPrefix("rally_http_requests_total") })")
            #expect(created.first?.hasSuffix(" 1") == true, "\(created)")
        }
    }

    @Test func unknownRouteIs404WithTheErrorShapeAndARequestId() async throws {
        try await TestApp.run { app in
            let response = try await app.send(.get, "/v1/no-such-thing", key: nil)
            let error = try expectError(response, .notFound, code: "not_found", fields: [])
            #expect(!error.requestId.isEmpty)
        }
    }

    @Test func requestIdSentByTheCallerIsEchoed() async throws {
        try await TestApp.run { app in
            let ok = try await app.send(.get, "/healthz", key: nil, headers: [.requestId: "trace-42.abc"])
            #expect(ok.headers[.requestId] == "trace-42.abc")

            // On an error the body carries the same id.
            let refused = try await app.send(.get, "/v1/programs/anything", key: nil, headers: [.requestId: "trace-43"])
            let error = try expectError(refused, .unauthorized, code: "unauthorized")
            #expect(error.requestId == "trace-43")
            #expect(refused.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test func requestIdIsGeneratedWhenNoneOrAMalformedOneIsSent() async throws {
        try await TestApp.run { app in
            let plain = try await app.send(.get, "/healthz", key: nil)
            let generated = try #require(plain.headers[.requestId])
            #expect(!generated.isEmpty)

            let malformed = try await app.send(.get, "/healthz", key: nil, headers: [.requestId: "not a plain id"])
            let replaced = try #require(malformed.headers[.requestId])
            #expect(replaced != "not a plain id")
            #expect(!replaced.isEmpty)
        }
    }
}
