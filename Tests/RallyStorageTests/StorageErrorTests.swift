import Postgres
import RallyCore
@testable import RallyStorage
import Redis
import Testing

/// Storage failures as the API reports them: the right status, and PostgreSQL's or Redis's own words only in the log.
@Suite struct StorageErrorTests {
    @Test func aQueryFailureIsAnInternalErrorWithoutItsDetail() {
        let cause = PostgresError(kind: .query, message: #"relation "secret_table" does not exist"#, sqlState: "42P01",
                                  statement: "SELECT * FROM secret_table")
        let error = RallyError.storage(cause)
        #expect(error.code == .internalError)
        #expect(!error.message.contains("secret_table"))
        #expect(error.details.isEmpty)
        #expect(error.internalDetail?.contains("secret_table") == true)
        #expect(error.internalDetail?.contains("42P01") == true)
    }

    @Test func unreachableServersAreUnavailableWithoutTheirDetail() {
        let postgres = RallyError.storage(PostgresError(kind: .connection, message: "could not connect to server at 10.1.2.3:5432"))
        #expect(postgres.code == .unavailable)
        #expect(!postgres.message.contains("10.1.2.3"))
        #expect(postgres.internalDetail?.contains("10.1.2.3") == true)
        let redis = RallyError.storage(RedisError(kind: .connection, message: "Connection refused to 10.1.2.3:6379"))
        #expect(redis.code == .unavailable)
        #expect(!redis.message.contains("10.1.2.3"))
    }

    @Test func aRallyErrorPassesThroughUnchanged() {
        let original = RallyError(.notFound, "member 'x' does not exist")
        #expect(RallyError.storage(original) == original)
    }
}
