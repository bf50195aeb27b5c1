import Redis
import Testing

@Suite("Redis commands against RALLY_TEST_REDIS_URL")
struct RedisCommandTests {
    @Test("SET/GET round trip keeps unicode, spaces and binary-ish bytes")
    func roundTrip() async throws {
        let prefix = TestRedis.uniquePrefix()
        let values = [
            "héllo wörld 🎉 日本語 ünïcödé",
            "  leading and trailing spaces  \tand\ttabs\nand newlines\r\n",
            "nul\u{0}inside\u{0}and \r\n*3\r\n$-1\r\n protocol-looking text",
            "\u{1}\u{2}\u{7F}\u{FFFD}",
            "",
        ]
        try await TestRedis.withPool(try TestRedis.configuration()) { pool async throws in
            for (index, value) in values.enumerated() {
                let key = "\(prefix)key with spaces ✓ \(index)"
                #expect(try await pool.send(["SET", key, value]) == .status("OK"))
                #expect(try await pool.send(["GET", key]) == .bulk(value))
                #expect(try await pool.send(["STRLEN", key]) == .integer(value.utf8.count))
                #expect(try await pool.send(["DEL", key]) == .integer(1))
            }
        }
    }

    @Test("integer, nil, array and status replies")
    func replyTypes() async throws {
        let prefix = TestRedis.uniquePrefix()
        let counter = prefix + "counter"
        let list = prefix + "list"
        try await TestRedis.withPool(try TestRedis.configuration()) { pool async throws in
            #expect(try await pool.send(["PING"]) == .status("PONG"))
            #expect(try await pool.send(["INCR", counter]) == .integer(1))
            #expect(try await pool.send(["INCRBY", counter, "41"]) == .integer(42))
            #expect(try await pool.send(["GET", counter]).int == 42)
            #expect(try await pool.send(["GET", prefix + "missing"]) == .null)
            #expect(try await pool.send(["RPUSH", list, "a", "b", "c"]) == .integer(3))
            #expect(try await pool.send(["LRANGE", list, "0", "-1"]) == .array([.bulk("a"), .bulk("b"), .bulk("c")]))
            #expect(try await pool.send(["LRANGE", prefix + "missing", "0", "-1"]) == .array([]))
            #expect(try await pool.send(["MGET", counter, prefix + "missing"]) == .array([.bulk("42"), .null]))
            #expect(try await pool.send(["SET", counter, "7"]).string == "OK")
            #expect(try await pool.send(["DEL", counter, list]) == .integer(2))
        }
    }

    @Test("an error reply throws .reply on send but is an .error element in a pipeline")
    func errorReplies() async throws {
        let key = TestRedis.uniquePrefix() + "string"
        try await TestRedis.withPool(try TestRedis.configuration(maximumConnections: 1)) { pool async throws in
            try await pool.send(["SET", key, "v"])
            let wrongType = await #expect(throws: RedisError.self) { try await pool.send(["LPUSH", key, "x"]) }
            #expect(wrongType?.kind == .reply)
            #expect(wrongType?.message.hasPrefix("WRONGTYPE") == true)
            #expect(wrongType?.message.contains("LPUSH") == true)

            let unknown = await #expect(throws: RedisError.self) { try await pool.send(["NOSUCHCOMMAND", "x"]) }
            #expect(unknown?.kind == .reply)

            let replies = try await pool.pipeline([["SET", key, "w"], ["LPUSH", key, "x"], ["GET", key]])
            #expect(replies.count == 3)
            #expect(replies[0] == .status("OK"))
            guard case .error(let message) = replies[1] else {
                Issue.record("expected an .error element, got \(replies[1])")
                return
            }
            #expect(message.hasPrefix("WRONGTYPE"))
            #expect(replies[2] == .bulk("w"))

            // The same (only) connection is still in sync after error replies.
            #expect(try await pool.send(["GET", key]) == .bulk("w"))
            #expect(try await pool.send(["DEL", key]) == .integer(1))
            #expect(try await pool.pipeline([]) == [])

            let empty = await #expect(throws: RedisError.self) { try await pool.send([]) }
            #expect(empty?.kind == .protocolError)
            #expect(try await pool.send(["PING"]) == .status("PONG"))
        }
    }

    @Test("a pipeline of 1000 ZADD, then ZCARD and ZREVRANGE WITHSCORES give exact values")
    func largePipeline() async throws {
        let key = TestRedis.uniquePrefix() + "zset"
        func member(_ index: Int) -> String { "member \(index) ✓" }
        func score(_ index: Int) -> String { "\(index).5" }
        try await TestRedis.withPool(try TestRedis.configuration()) { pool async throws in
            let adds = (0..<1000).map { ["ZADD", key, score($0), member($0)] }
            let added = try await pool.pipeline(adds)
            #expect(added == Array(repeating: .integer(1), count: 1000))

            let replies = try await pool.pipeline([
                ["ZCARD", key],
                ["ZREVRANGE", key, "0", "2", "WITHSCORES"],
                ["ZSCORE", key, member(500)],
                ["ZREVRANGE", key, "0", "-1", "WITHSCORES"],
            ])
            #expect(replies.count == 4)
            #expect(replies[0] == .integer(1000))
            #expect(replies[1] == .array([
                .bulk(member(999)), .bulk("999.5"),
                .bulk(member(998)), .bulk("998.5"),
                .bulk(member(997)), .bulk("997.5"),
            ]))
            #expect(replies[2].double == 500.5)
            let all = try #require(replies[3].array)
            #expect(all.count == 2000)
            let expected: [RedisReply] = (0..<1000).reversed().flatMap { [.bulk(member($0)), .bulk(score($0))] }
            #expect(all == expected)
            #expect(try await pool.send(["DEL", key]) == .integer(1))
        }
    }
}
