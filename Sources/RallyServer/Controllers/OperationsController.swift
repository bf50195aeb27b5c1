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
    let drain: Drain

    struct Status: JSONWritable {
        var status: String
        var postgres: String?
        var redis: String?
        var leaderboards: String?
        /// `ok` while the boards in Redis reflect every committed event, `stale` otherwise (Redis unreachable or behind).
        var projection: String?
        /// Whole seconds the leaderboards have been behind PostgreSQL (0 while in line).
        var projectionLagSeconds: Int?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("status", status)
                json.optionalField("postgres", postgres)
                json.optionalField("redis", redis)
                json.optionalField("leaderboards", leaderboards)
                json.optionalField("projection", projection)
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

    /// Ready while this instance can accept events: PostgreSQL answers and it is not draining (`Drain`). Redis unreachable
    /// leaves it ready, its projection stale (events are committed and the boards catch up when Redis is back), so that a
    /// balancer keeps every instance while a shared Redis recovers. An unreachable dependency is named with a stable word (`unreachable`); what failed
    /// stays in the log, under the request id: the body is anyone's to read.
    @Sendable func ready(_ request: Request, context: RallyRequestContext) async throws -> Response {
        guard !drain.isDraining else {
            throw RallyError(.unavailable, "this instance is shutting down", details: [FieldProblem(field: "instance", problem: "draining")])
        }
        do {
            try await postgres.query("SELECT 1")
        } catch {
            throw RallyError(.unavailable, "a dependency is unreachable", details: [FieldProblem(field: "postgres", problem: "unreachable")],
                             internalDetail: "postgres: \(error)")
        }
        let boardsReady: Bool?
        do {
            boardsReady = try await leaderboards.isReady()
        } catch {
            // At debug level: a balancer asks every second, and the writer says once that the projection went stale.
            context.logger.debug("Redis is unreachable: ready, the projection stale", metadata: ["cause": "redis: \(error)"])
            boardsReady = nil
        }
        let lag = writer.projectionLag.components.seconds
        let inLine = boardsReady == true && lag == 0
        return JSONResponse.make(Status(status: "ready", postgres: "ok", redis: boardsReady == nil ? "unreachable" : "ok",
                                        leaderboards: boardsReady == nil ? "unavailable" : inLine ? "ok" : "rebuilding",
                                        projection: inLine ? "ok" : "stale", projectionLagSeconds: Int(lag)), status: .ok)
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
