import Foundation
import Hummingbird
import Postgres
import Prometheus
import RallyCore
import RallyLeaderboards
import RallyLedger
import RallyStorage

/// Health, readiness, metrics and the API description: for operators and load balancers, no key needed.
struct OperationsController {
    let postgres: PostgresPool
    let leaderboards: Leaderboards
    let writer: EventWriter
    let registry: PrometheusCollectorRegistry
    let pools: PoolMetrics

    struct Status: JSONWritable {
        var status: String
        var postgres: String?
        var redis: String?
        var leaderboards: String?
        /// Whole seconds the leaderboards have been behind PostgreSQL (0 while in line).
        var projectionLagSeconds: Int?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("status", status)
                json.optionalField("postgres", postgres)
                json.optionalField("redis", redis)
                json.optionalField("leaderboards", leaderboards)
                if let projectionLagSeconds { json.field("projectionLagSeconds", projectionLagSeconds) }
            }
        }
    }

    var routes: [Route] {
        [
            Route(.get, "healthz", .anyone) { _, _ in JSONResponse.make(Status(status: "ok"), status: .ok) },
            Route(.get, "readyz", .anyone, ready),
            Route(.get, "metrics", .anyone, metrics),
            Route(.get, "openapi.json", .anyone, openAPI),
        ]
    }

    /// Ready when PostgreSQL and Redis answer. An unreachable one is named with a stable word (`unreachable`); what
    /// failed stays in the log, under the request id: the body is anyone's to read.
    @Sendable func ready(_ request: Request, context: RallyRequestContext) async throws -> Response {
        var problems: [FieldProblem] = []
        var causes: [String] = []
        do {
            try await postgres.query("SELECT 1")
        } catch {
            problems.append(FieldProblem(field: "postgres", problem: "unreachable"))
            causes.append("postgres: \(error)")
        }
        var boardsReady = false
        do {
            boardsReady = try await leaderboards.isReady()
        } catch {
            problems.append(FieldProblem(field: "redis", problem: "unreachable"))
            causes.append("redis: \(error)")
        }
        guard problems.isEmpty else {
            throw RallyError(.unavailable, "a dependency is unreachable", details: problems, internalDetail: causes.joined(separator: "; "))
        }
        let lag = writer.projectionLag.components.seconds
        return JSONResponse.make(Status(status: "ready", postgres: "ok", redis: "ok", leaderboards: boardsReady && lag == 0 ? "ok" : "rebuilding",
                                        projectionLagSeconds: Int(lag)), status: .ok)
    }

    @Sendable func metrics(_ request: Request, context: RallyRequestContext) async throws -> Response {
        pools.update()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    @Sendable func openAPI(_ request: Request, context: RallyRequestContext) async throws -> Response {
        guard let document = Self.openAPIDocument else {
            throw RallyError(.internalError, "the OpenAPI document is missing from this build")
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document))
    }

    /// The OpenAPI document, read from the bundle once (a request never waits on the disk on its event loop).
    private static let openAPIDocument: ByteBuffer? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }.map { ByteBuffer(bytes: $0) }
}
