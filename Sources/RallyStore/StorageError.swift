import Postgres
import RallyCore
import Redis

extension RallyError {
    /// A PostgreSQL or Redis failure as the API reports it: 503 when the server is unreachable, 500 otherwise.
    static func storage(_ error: any Error) -> RallyError {
        if let rally = error as? RallyError { return rally }
        if let postgres = error as? PostgresError {
            switch postgres.kind {
            case .connection, .poolClosed, .timeout:
                return RallyError(.unavailable, "PostgreSQL is unavailable: \(postgres.message)")
            default:
                return RallyError(.internalError, "PostgreSQL error: \(postgres.message)")
            }
        }
        if let redis = error as? RedisError {
            return RallyError(.unavailable, "Redis is unavailable: \(redis.message)")
        }
        return RallyError(.internalError, "\(error)")
    }
}
