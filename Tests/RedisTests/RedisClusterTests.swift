import Testing

@testable import Redis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Redis Cluster: slots, maps and redirections, without a server")
struct RedisSlotTests {
    @Test func crc16MatchesTheClusterSpecificationsCheckValue() {
        // The XMODEM check value the Redis Cluster specification gives: CRC16("123456789") = 0x31C3.
        #expect(RedisSlot.crc16(Array("123456789".utf8)) == 0x31C3)
    }

    @Test func onlyANonEmptyTagIsHashed() {
        #expect(RedisSlot.of(key: "{user1000}.following") == RedisSlot.of(key: "user1000"))
        #expect(RedisSlot.of(key: "foo{}{bar}") == RedisSlot.of(key: "foo{}{bar}"))
        #expect(String(decoding: RedisSlot.hashed(Array("foo{}{bar}".utf8)), as: UTF8.self) == "foo{}{bar}")
        #expect(String(decoding: RedisSlot.hashed(Array("foo{{bar}}zap".utf8)), as: UTF8.self) == "{bar")
        #expect(String(decoding: RedisSlot.hashed(Array("foo{bar}{zap}".utf8)), as: UTF8.self) == "bar")
        #expect(String(decoding: RedisSlot.hashed(Array("no{tag".utf8)), as: UTF8.self) == "no{tag")
    }

    @Test func aCommandIsRoutedByTheKeyItNames() {
        #expect(RedisSlot.of(command: ["GET", "{p1}x"]) == RedisSlot.of(key: "p1"))
        #expect(RedisSlot.of(command: ["evalsha", "abc", "2", "{p2}a", "{p2}b", "arg"]) == RedisSlot.of(key: "p2"))
        #expect(RedisSlot.of(command: ["EVALSHA", "abc", "0", "arg"]) == nil)
        #expect(RedisSlot.of(command: ["SCAN", "0", "MATCH", "{p1}*"]) == nil)
        #expect(RedisSlot.of(command: ["CLUSTER", "KEYSLOT", "x"]) == nil)
        #expect(RedisSlot.of(command: ["PING"]) == nil)
    }

    @Test func theMapIsReadFromClusterSlotsAndMovedBySlot() throws {
        let asked = RedisNodeAddress(host: "10.0.0.1", port: 7000)
        func node(_ host: String, _ port: Int) -> RedisReply { .array([.bulk(host), .integer(port), .bulk("id-\(port)")]) }
        let reply = RedisReply.array([
            .array([.integer(0), .integer(5460), node("10.0.0.1", 7000), node("10.0.0.4", 7003)]),
            .array([.integer(5461), .integer(10922), node("", 7001)]),
            .array([.integer(10923), .integer(16383), node("10.0.0.3", 7002)]),
        ])
        var map = try RedisSlotMap(clusterSlots: reply, asked: asked)
        #expect(map.masters == [asked, RedisNodeAddress(host: "10.0.0.1", port: 7001), RedisNodeAddress(host: "10.0.0.3", port: 7002)])
        #expect(map.master(of: 0) == asked)
        #expect(map.master(of: 5461) == RedisNodeAddress(host: "10.0.0.1", port: 7001))
        #expect(map.master(of: 16383) == RedisNodeAddress(host: "10.0.0.3", port: 7002))
        #expect(map.replicas[asked] == [RedisNodeAddress(host: "10.0.0.4", port: 7003)])
        map.move(42, to: RedisNodeAddress(host: "10.0.0.9", port: 7009))
        #expect(map.master(of: 42) == RedisNodeAddress(host: "10.0.0.9", port: 7009))
        #expect(map.master(of: 43) == asked)

        let partial = try RedisSlotMap(clusterSlots: .array([.array([.integer(0), .integer(99), node("h", 1)])]), asked: asked)
        #expect(partial.master(of: 100) == nil)
        #expect(throws: RedisError.self) { try RedisSlotMap(clusterSlots: .array([.array([.integer(5), .integer(1), node("h", 1)])]), asked: asked) }
        #expect(throws: RedisError.self) { try RedisSlotMap(clusterSlots: .error("ERR This instance has cluster support disabled"), asked: asked) }
    }

    @Test func redirectionsAreReadFromErrorReplies() {
        #expect(RedisRedirection("MOVED 3999 127.0.0.1:6381") == .moved(slot: 3999, address: RedisNodeAddress(host: "127.0.0.1", port: 6381)))
        #expect(RedisRedirection("ASK 3999 [::1]:6381") == .ask(slot: 3999, address: RedisNodeAddress(host: "::1", port: 6381)))
        #expect(RedisRedirection("TRYAGAIN Multiple keys request during rehashing of slot") == .retryLater)
        #expect(RedisRedirection("CLUSTERDOWN The cluster is down") == .retryLater)
        #expect(RedisRedirection("MOVED 16384 127.0.0.1:6381") == nil)
        #expect(RedisRedirection("MOVED 1 nowhere") == nil)
        #expect(RedisRedirection("WRONGTYPE Operation against a key holding the wrong kind of value") == nil)
    }

    @Test func aClusterURLNamesItsSeeds() throws {
        #expect(try RedisCluster.seeds(url: "redis+cluster://127.0.0.1:7101,localhost,[::1]:7103") == [
            RedisNodeAddress(host: "127.0.0.1", port: 7101), RedisNodeAddress(host: "localhost", port: 6379),
            RedisNodeAddress(host: "::1", port: 7103),
        ])
        for url in ["redis://127.0.0.1:7101", "redis+cluster://", "redis+cluster://h:1,,h:2", "redis+cluster://h:99999", "redis+cluster://h:1/3"] {
            #expect(throws: RedisError.self, "\(url)") { try RedisCluster.seeds(url: url) }
        }
    }
}

@Suite("Redis Cluster client against RALLY_TEST_REDIS_CLUSTER_URL (three masters)", .serialized)
struct RedisClusterTests {
    /// The seeds from RALLY_TEST_REDIS_CLUSTER_URL; records a failure (never a skip) when it is unset.
    static func seeds() throws -> [RedisNodeAddress] {
        let url = getenv("RALLY_TEST_REDIS_CLUSTER_URL").map { String(cString: $0) }
        let value = try #require(url.flatMap { $0.isEmpty ? nil : $0 },
                                 "RALLY_TEST_REDIS_CLUSTER_URL is not set: run `bash ops/services start` and `eval \"$(bash ops/services env)\"`")
        return try RedisCluster.seeds(url: value)
    }

    static func withCluster<T>(_ body: (RedisCluster) async throws -> T) async throws -> T {
        try await TestRedis.with(RedisCluster(seeds: try seeds(), logger: TestRedis.logger), body)
    }

    @Test func slotsAreTheOnesTheClusterComputes() async throws {
        try await Self.withCluster { cluster in
            var generator = SystemRandomNumberGenerator()
            let alphabet = Array("ab{}é:/-0123456789")
            let keys = (0..<300).map { _ in String((0..<Int.random(in: 1...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }) }
                + ["{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "{}", "{", "}", "rally/lb/{million}/m/all"]
            let replies = try await cluster.pipeline(keys.map { ["CLUSTER", "KEYSLOT", $0] })
            for (key, reply) in zip(keys, replies) {
                #expect(reply.int == RedisSlot.of(key: key), "\(key)")
            }
        }
    }

    @Test func aPipelineAcrossEveryMasterAnswersInOrder() async throws {
        try await Self.withCluster { cluster in
            let prefix = TestRedis.uniquePrefix()
            let keys = (0..<300).map { "{\(prefix)\($0)}value" }
            let written = try await cluster.pipeline(keys.enumerated().map { ["SET", $0.element, "v\($0.offset)"] })
            #expect(written == Array(repeating: .status("OK"), count: keys.count))
            let order = keys.indices.shuffled()
            let read = try await cluster.pipeline(order.map { ["GET", keys[$0]] })
            #expect(read == order.map { .bulk("v\($0)") })

            // Every master holds some of them, and together all of them.
            let counts = try await cluster.onEveryServer(["EVAL", "return #redis.call('KEYS', ARGV[1])", "0", "{\(prefix)*"]).map { $0.reply.int ?? 0 }
            #expect(counts.count == 3)
            #expect(counts.allSatisfy { $0 > 0 })
            #expect(counts.reduce(0, +) == keys.count)
            #expect(try await cluster.send(["DEL", keys[0]]).int == 1)
            await #expect(throws: RedisError.self) { try await cluster.send(["INCR", keys[1]]) } // an error reply still throws
            _ = try await cluster.pipeline(keys.map { ["DEL", $0] })
        }
    }

    /// A slot moved from its master to another, as `redis-cli --cluster reshard` moves it: `ASK` while its keys
    /// migrate, `MOVED` once it is assigned; then moved back.
    @Test func redirectionsAreFollowedWhileASlotMigratesAndAfter() async throws {
        try await Self.withCluster { cluster in
            let prefix = TestRedis.uniquePrefix()
            let moved = "{\(prefix)}moved", stays = "{\(prefix)}stays"
            let slot = RedisSlot.of(key: moved)
            _ = try await cluster.pipeline([["SET", moved, "m"], ["SET", stays, "s"]])
            try await Self.withCluster { admin in
                let masters = try await admin.masters()
                var ids: [RedisNodeAddress: String] = [:]
                for master in masters { ids[master] = try await Self.node(master) { try await $0.send(["CLUSTER", "MYID"]).string } }
                let source = try #require(try await Self.owner(of: slot, among: masters))
                let target = try #require(masters.first { $0 != source })

                try await Self.node(target) { _ = try await $0.send(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", ids[source]!]) }
                try await Self.node(source) { _ = try await $0.send(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", ids[target]!]) }
                try await Self.node(source) {
                    _ = try await $0.send(["MIGRATE", target.host, String(target.port), "", "0", "5000", "KEYS", moved])
                }
                // The key already on the target: the source answers ASK, and the client asks the target once.
                let before = cluster.redirectionsFollowed
                #expect(try await cluster.send(["GET", moved]) == .bulk("m"))
                #expect(cluster.redirectionsFollowed == before + 1)
                #expect(try await cluster.send(["GET", stays]) == .bulk("s"))
                #expect(cluster.redirectionsFollowed == before + 1)
                #expect(try await Self.owner(of: slot, among: masters) == source)

                try await Self.node(source) {
                    _ = try await $0.send(["MIGRATE", target.host, String(target.port), "", "0", "5000", "KEYS", stays])
                }
                for master in [target, source] + masters.filter({ $0 != source && $0 != target }) {
                    try await Self.node(master) { _ = try await $0.send(["CLUSTER", "SETSLOT", String(slot), "NODE", ids[target]!]) }
                }
                // The slot is the target's now: the source answers MOVED; the client follows and learns the map.
                let replies = try await cluster.pipeline([["GET", stays], ["GET", moved], ["SET", "{\(prefix)other}k", "o"]])
                #expect(replies == [.bulk("s"), .bulk("m"), .status("OK")])
                #expect(cluster.redirectionsFollowed == before + 3)
                #expect(try await cluster.send(["GET", moved]) == .bulk("m"))
                #expect(cluster.redirectionsFollowed == before + 3)

                // Back where it was: the slot emptied, then given to its first master again.
                _ = try await cluster.pipeline([["DEL", moved], ["DEL", stays], ["DEL", "{\(prefix)other}k"]])
                for master in masters { try await Self.node(master) { _ = try await $0.send(["CLUSTER", "SETSLOT", String(slot), "NODE", ids[source]!]) } }
                #expect(try await cluster.send(["SET", moved, "again"]) == .status("OK"))
                #expect(cluster.redirectionsFollowed == before + 4)
                #expect(try await Self.node(source) { try await $0.send(["GET", moved]) } == .bulk("again"))
                _ = try await cluster.send(["DEL", moved])
            }
        }
    }

    /// Runs `body` with a pool of one node (commands that must reach that node whatever the slot).
    static func node<T>(_ address: RedisNodeAddress, _ body: (RedisPool) async throws -> T) async throws -> T {
        try await TestRedis.withPool(RedisConfiguration(host: address.host, port: address.port, maximumConnections: 1), body)
    }

    /// Which of `masters` serves `slot` by its own account (the `myself` line of its `CLUSTER NODES`).
    static func owner(of slot: Int, among masters: [RedisNodeAddress]) async throws -> RedisNodeAddress? {
        for master in masters {
            let nodes = try await node(master) { try await $0.send(["CLUSTER", "NODES"]).string } ?? ""
            let myself = nodes.split(separator: "\n").first { $0.contains("myself") } ?? ""
            if Self.slots(of: myself).contains(slot) { return master }
        }
        return nil
    }

    /// The slots a `CLUSTER NODES` line lists (`0-5460 7000 …`; migration marks `[…]` left out).
    static func slots(of line: some StringProtocol) -> Set<Int> {
        var slots = Set<Int>()
        for field in line.split(separator: " ").dropFirst(8) where !field.hasPrefix("[") {
            let bounds = field.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2 { slots.formUnion(bounds[0]...bounds[1]) } else if bounds.count == 1 { slots.insert(bounds[0]) }
        }
        return slots
    }
}
