import Foundation
import Postgres
import Testing

@Suite("Values without a database")
struct ValueTests {
    @Test("array literals quote every element and escape backslash and double quote")
    func arrayLiteral() {
        #expect(PostgresArray.literal(["a", nil, "b\"c"]) == #"{"a",NULL,"b\"c"}"#)
        #expect(PostgresArray.literal(["back\\slash", "NULL", ""]) == #"{"back\\slash","NULL",""}"#)
        #expect(PostgresArray.literal(["x", "y"]) == #"{"x","y"}"#)
    }

    @Test("timestamps parse with and without fractions and offsets")
    func timestampParsing() throws {
        let base: Int64 = 1_795_162_440_000_000
        #expect(try micros("2026-11-20 08:14:00+00") == base)
        #expect(try micros("2026-11-20 08:14:00.1+00") == base + 100_000)
        #expect(try micros("2026-11-20 08:14:00.123456+00") == base + 123_456)
        #expect(try micros("2026-11-20 13:44:00.000001+05:30") == base + 1)
        #expect(try micros("2026-11-20 03:14:00-05") == base)
        #expect(try micros("2026-11-20T08:14:00Z") == base)
        #expect(try micros("2026-11-20 08:14:00") == base)
        #expect(try micros("2026-11-20") == base - (8 * 3600 + 14 * 60) * 1_000_000)
        #expect(try micros("1970-01-01 00:00:00+00") == 0)
        #expect(PostgresTimestamp.date(from: "infinity") == .distantFuture)
        #expect(PostgresTimestamp.date(from: "not a date") == nil)
        #expect(PostgresTimestamp.date(from: "2026-13-01 00:00:00+00") == nil)
    }

    @Test("timestamps format as UTC with microseconds")
    func timestampFormatting() throws {
        let date = try #require(PostgresTimestamp.date(from: "2026-11-20 08:14:00.123456+00"))
        #expect(PostgresTimestamp.string(from: date) == "2026-11-20 08:14:00.123456+00")
        #expect(PostgresTimestamp.string(from: Date(timeIntervalSince1970: -0.5)) == "1969-12-31 23:59:59.500000+00")
        #expect(PostgresTimestamp.string(from: Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29 00:00:00.000000+00")
    }

    @Test("rows index by name and position")
    func rows() throws {
        let rows = PostgresRows(columns: ["a", "b"], values: ["1", nil, "2", "x"], affectedRows: 2)
        #expect(rows.count == 2)
        #expect(rows.affectedRows == 2)
        #expect(rows[0]["a"] == "1")
        #expect(rows[0]["b"] == nil)
        #expect(try rows[1].int("a") == 2)
        #expect(rows[1][1] == "x")
    }

    @Test("errors describe themselves with their SQLSTATE")
    func errorDescription() {
        let error = PostgresError(kind: .query, message: "duplicate key", sqlState: "23505", detail: "Key (id)=(1) already exists.")
        #expect(error.isUniqueViolation)
        #expect(error.description.contains("23505"))
        #expect(error.description.contains("Key (id)=(1)"))
    }

    private func micros(_ text: String) throws -> Int64 {
        microseconds(try #require(PostgresTimestamp.date(from: text)))
    }
}
