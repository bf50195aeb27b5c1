import Redis
import Testing

@Suite("RedisConfiguration URL parsing")
struct RedisConfigurationTests {
    @Test("full URL")
    func fullURL() throws {
        let configuration = try RedisConfiguration(url: "redis://10.1.2.3:63799/15", maximumConnections: 3)
        #expect(configuration.host == "10.1.2.3")
        #expect(configuration.port == 63799)
        #expect(configuration.database == 15)
        #expect(configuration.maximumConnections == 3)
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.commandTimeout == .seconds(2))
    }

    @Test("defaults for omitted parts", arguments: [
        ("redis://", "127.0.0.1", 6379, 0),
        ("redis://cache", "cache", 6379, 0),
        ("redis://cache/", "cache", 6379, 0),
        ("redis://:6380", "127.0.0.1", 6380, 0),
        ("redis://:6380/4", "127.0.0.1", 6380, 4),
        ("redis:///3", "127.0.0.1", 6379, 3),
        ("redis://localhost:7000", "localhost", 7000, 0),
        ("redis://[::1]:7001/2", "::1", 7001, 2),
    ])
    func defaults(url: String, host: String, port: Int, database: Int) throws {
        let configuration = try RedisConfiguration(url: url)
        #expect(configuration.host == host)
        #expect(configuration.port == port)
        #expect(configuration.database == database)
        #expect(configuration.maximumConnections == 8)
    }

    @Test("invalid URLs throw .invalidURL", arguments: [
        "",
        "127.0.0.1:6379",
        "http://127.0.0.1:6379",
        "rediss://127.0.0.1:6379",
        "redis://host:abc",
        "redis://host:",
        "redis://host:0",
        "redis://host:70000",
        "redis://host:+80",
        "redis://host/x",
        "redis://host/-1",
        "redis://host/1/2",
        "redis://host:6379/1?timeout=3",
        "redis://user:secret@host:6379",
        "redis://[::1",
    ])
    func invalid(url: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.kind == .invalidURL)
        #expect(error?.description.contains("invalidURL") == true)
    }

    @Test("memberwise defaults")
    func memberwise() {
        let configuration = RedisConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 6379)
        #expect(configuration.database == 0)
        #expect(configuration.maximumConnections == 8)
    }
}

@Suite("RedisReply accessors")
struct RedisReplyTests {
    @Test("int, string, double, array")
    func accessors() {
        #expect(RedisReply.integer(7).int == 7)
        #expect(RedisReply.bulk("42").int == 42)
        #expect(RedisReply.status("12").int == 12)
        #expect(RedisReply.bulk("4.5").int == nil)
        #expect(RedisReply.null.int == nil)
        #expect(RedisReply.bulk("x").string == "x")
        #expect(RedisReply.status("OK").string == "OK")
        #expect(RedisReply.error("ERR").string == nil)
        #expect(RedisReply.integer(1).string == nil)
        #expect(RedisReply.bulk("2.5").double == 2.5)
        #expect(RedisReply.bulk("inf").double == .infinity)
        #expect(RedisReply.bulk("-inf").double == -.infinity)
        #expect(RedisReply.integer(3).double == 3)
        #expect(RedisReply.bulk("abc").double == nil)
        #expect(RedisReply.array([.null]).array == [.null])
        #expect(RedisReply.bulk("x").array == nil)
        #expect(RedisReply.null.isNull)
    }
}
