import NIOCore
import NIOEmbedded
import Testing

@testable import Redis

/// The protocol handler on an embedded channel: bytes in, replies out, no server and no sleeping (the loop's clock is
/// moved by hand).
@Suite("RedisChannelHandler on an embedded channel")
struct RedisChannelHandlerTests {
    /// The handler on a channel whose clock stands still until a test moves it.
    private struct Harness {
        let channel: EmbeddedChannel
        let loop: EmbeddedEventLoop

        init(timeout: TimeAmount = .seconds(2)) throws {
            loop = EmbeddedEventLoop()
            channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(address: "test:6379", timeout: timeout))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        }

        /// Writes `commands` as one request, as a connection does, and returns where its replies will land.
        func send(_ commands: [[String]]) throws -> Outcome {
            let outcome = Outcome()
            try RedisConnection.submit(commands, on: channel, address: "test:6379").assumeIsolated().whenComplete { outcome.result = $0 }
            return outcome
        }

        /// What the handler wrote to the socket since the last call, as text.
        func written() throws -> String {
            var text = ""
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }

        /// Bytes from the server.
        func receive(_ text: String) throws {
            try channel.writeInbound(channel.allocator.buffer(string: text))
        }
    }

    /// Where a request's replies land.
    private final class Outcome {
        var result: Result<[RedisReply], any Error>?
        var replies: [RedisReply]? { try? result?.get() }
        var error: RedisError? {
            guard case .failure(let error) = result else { return nil }
            return error as? RedisError
        }
    }

    @Test("commands are written in the protocol's multi-bulk form, binary-safe; an empty command is refused")
    func format() throws {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        try RedisCommandFormat.write(["SET", "k é", "a\r\n\u{0}b", ""], into: &buffer)
        #expect(String(buffer: buffer) == "*4\r\n$3\r\nSET\r\n$4\r\nk é\r\n$5\r\na\r\n\u{0}b\r\n$0\r\n\r\n")
        let error = #expect(throws: RedisError.self) { try RedisCommandFormat.write([], into: &buffer) }
        #expect(error?.kind == .protocolError)
    }

    @Test("a reply split across reads completes when its last byte arrives")
    func splitReply() throws {
        let harness = try Harness()
        let get = try harness.send([["GET", "k"]])
        #expect(try harness.written() == "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        try harness.receive("$11\r\nhello ")
        #expect(get.result == nil)
        try harness.receive("world\r")
        #expect(get.result == nil)
        try harness.receive("\n")
        #expect(get.replies == [.bulk("hello world")])
    }

    @Test("requests in flight take their replies in order, however the bytes are cut")
    func pipeliningOrder() throws {
        let harness = try Harness()
        let first = try harness.send([["INCR", "a"], ["LRANGE", "l", "0", "-1"]])
        let second = try harness.send([["PING"]])
        let third = try harness.send([["GET", "missing"]])
        let replies = ":1\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n+PONG\r\n$-1\r\n"
        for (index, character) in replies.enumerated() {
            try harness.receive(String(character))
            if index < replies.count - 1 { #expect(third.result == nil) }
        }
        #expect(first.replies == [.integer(1), .array([.bulk("x"), .bulk("y")])])
        #expect(second.replies == [.status("PONG")])
        #expect(third.replies == [.null])
    }

    @Test("an error reply mid-pipeline is one of the replies; the requests after it are answered")
    func errorMidPipeline() throws {
        let harness = try Harness()
        let pipeline = try harness.send([["SET", "k", "v"], ["LPUSH", "k", "x"], ["GET", "k"]])
        let after = try harness.send([["PING"]])
        try harness.receive("+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\nv\r\n+PONG\r\n")
        #expect(pipeline.replies == [.status("OK"), .error("WRONGTYPE Operation against a key holding the wrong kind of value"), .bulk("v")])
        #expect(after.replies == [.status("PONG")])
        #expect(harness.channel.isActive)
    }

    @Test("bytes that break the protocol fail every request in flight and close the channel; later ones are refused unsent")
    func malformed() throws {
        let harness = try Harness()
        let first = try harness.send([["PING"]])
        let second = try harness.send([["PING"]])
        try harness.receive("+PONG\r\n?what\r\n")
        #expect(first.replies == [.status("PONG")])
        #expect(second.error?.kind == .protocolError)
        #expect(!harness.channel.isActive)
    }

    @Test("a reply with no request waiting is a protocol error")
    func unexpectedReply() throws {
        let harness = try Harness()
        let first = try harness.send([["PING"]])
        try harness.receive("+PONG\r\n")
        #expect(first.replies == [.status("PONG")])
        try harness.receive(":1\r\n")
        #expect(!harness.channel.isActive)
    }

    @Test("a request not answered within the timeout fails with .timeout, with every one behind it; the channel closes")
    func timeout() throws {
        let harness = try Harness(timeout: .milliseconds(100))
        let answered = try harness.send([["PING"]])
        harness.loop.advanceTime(by: .milliseconds(60))
        let slow = try harness.send([["BLPOP", "k", "5"]])
        harness.loop.advanceTime(by: .milliseconds(30))
        try harness.receive("+PONG\r\n")
        #expect(answered.replies == [.status("PONG")])
        // The first deadline (100 ms) passes with the oldest request answered: the timer waits for the next one (160 ms).
        harness.loop.advanceTime(by: .milliseconds(20))
        #expect(slow.result == nil)
        #expect(harness.channel.isActive)
        let behind = try harness.send([["PING"]])
        harness.loop.advanceTime(by: .milliseconds(50))
        #expect(slow.error?.kind == .timeout)
        #expect(slow.error?.message.contains("BLPOP") == true)
        #expect(behind.error?.kind == .timeout)
        #expect(!harness.channel.isActive)
    }

    @Test("the server closing the connection fails what is in flight with .connection; a later request fails unsent")
    func closedByServer() throws {
        let harness = try Harness()
        let waiting = try harness.send([["GET", "k"]])
        try harness.receive("$5\r\nhal")
        harness.channel.pipeline.fireChannelInactive()
        #expect(waiting.error?.kind == .connection)
        #expect(waiting.error?.unsent == false)
        let later = try harness.send([["PING"]])
        #expect(later.error?.kind == .connection)
        #expect(later.error?.unsent == true)
    }
}
