import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyTestSupport
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
            #expect(status.projection == "ok")
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

    @Test func metricsCountEventsAndPointsPerActionAndShowThePools() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            try await program.record(EventInput(id: "s1", memberId: "ana", action: "share"))
            try await program.record(EventInput(id: "s2", memberId: "ben", action: "share"))
            try await program.record(EventInput(id: "p1", memberId: "ana", action: "post"))
            // A profile read through the writer pool's pipeline.
            try requireStatus(try await app.send(.get, "\(program.path)/members/ana", key: program.readKey), .ok)
            let lines = text(try await app.send(.get, "/metrics", key: nil)).split(separator: "\n").map(String.init)
            func value(_ prefix: String, _ labels: [String]) -> String? {
                lines.first { $0.hasPrefix(prefix + "{") && labels.allSatisfy($0.contains) }?.split(separator: " ").last.map(String.init)
            }
            #expect(value("rally_events_total", [#"action="share""#, #"status="awarded""#]) == "2", "\(lines)")
            #expect(value("rally_events_total", [#"action="post""#, #"status="awarded""#]) == "1")
            #expect(value("rally_points_awarded_total", [#"action="share""#]) == "20")
            #expect(value("rally_points_awarded_total", [#"action="post""#]) == "25")
            // Request durations per route and status, as a histogram.
            #expect(lines.contains { $0.hasPrefix("rally_http_request_duration_seconds_bucket{") && $0.contains(#"status="201""#) && $0.contains("/events") })
            // The pools: the writer's has served the commits, the analytics pool nothing yet but the gauges' refresh.
            #expect(value("rally_postgres_connections", [#"pool="writer""#, #"state="open""#]).flatMap(Double.init).map { $0 >= 1 } == true)
            #expect(value("rally_postgres_connections", [#"pool="writer""#, #"state="waiting""#]) != nil)
            #expect(value("rally_postgres_connections", [#"pool="writer-pipeline""#, #"state="open""#]).flatMap(Double.init).map { $0 >= 1 } == true)
            #expect(!lines.contains { $0.contains(#"pool="analytics-pipeline""#) }, "a pipeline never used is not shown")
            #expect(value("rally_redis_connections", [#"state="in_use""#]) != nil)
            #expect(value("rally_postgres_pool_wait_seconds_total", [#"pool="analytics""#]) != nil)
        }
    }

    @Test func programGaugesAreComputedOnScheduleNotPerScrape() async throws {
        let clock = ManualClock()
        try await TestApp.run(clock: clock, metricsRefresh: .seconds(60)) { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben", "cid", "dan"])
            try await program.record(EventInput(id: "l1", memberId: "ana", action: "like"))
            // The gauges are refreshed every minute of the test's clock: move it until a refresh after the event shows.
            var found: [String] = []
            _ = try await eventually(within: .seconds(10)) {
                clock.advance(by: .seconds(60))
                found = text(try await app.send(.get, "/metrics", key: nil)).split(separator: "\n").map(String.init)
                    .filter { $0.contains(#"program="\#(program.id)""#) }
                return found.contains(where: { $0.hasPrefix("rally_members_active") && $0.contains(#"period="week""#) && $0.hasSuffix(" 1.0") })
            }
            #expect(found.contains { $0.hasPrefix("rally_members_enrolled{") && $0.hasSuffix(" 4.0") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("rally_participation_rate{") && $0.contains(#"period="week""#) && $0.hasSuffix(" 0.25") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("rally_members_active{") && $0.contains(#"period="month""#) && $0.hasSuffix(" 1.0") }, "\(found)")
            // Fewer than five answers: no eNPS gauge.
            #expect(!found.contains { $0.hasPrefix("rally_satisfaction_enps") })
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
