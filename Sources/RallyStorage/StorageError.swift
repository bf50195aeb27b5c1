import Postgres
import RallyCore
import Redis

extension RallyError {
    /// A PostgreSQL or Redis failure as the API reports it: 503 when a server is unreachable, 500 otherwise.
    /// The caller sees no internal detail; the failure itself goes to the log with the request id.
    package static func storage(_ error: any Error) -> RallyError {
        if let rally = error as? RallyError { return rally }
        if let postgres = error as? PostgresError {
            switch postgres.kind {
            case .connection, .poolClosed, .timeout:
                return RallyError(.unavailable, "PostgreSQL is unavailable; retry later", internalDetail: "\(postgres)")
            default:
                return .internal(postgres)
            }
        }
        if let redis = error as? RedisError {
            return RallyError(.unavailable, "Redis is unavailable; retry later", internalDetail: "\(redis)")
        }
        return .internal(error)
    }

    /// A failure the caller cannot act on, with its cause kept for the log.
    static func `internal`(_ error: any Error) -> RallyError {
        RallyError(.internalError, "an internal error occurred; the log holds the details under this request id",
                   internalDetail: "\(error)")
    }
}
