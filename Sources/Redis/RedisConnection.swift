import NIOCore
import NIOPosix
import Synchronization

/// One connection to the server on a SwiftNIO channel: commands are written and replies parsed on the channel's event
/// loop, and a task running on that loop sends and receives without leaving its thread. Lent out by
/// `RedisPool.withConnection` to one task at a time, or shared by the short exchanges of one event loop
/// (`RedisSharedConnections`): those wait for the end of the loop's turn to be flushed, together.
public final class RedisConnection: Sendable {
    /// The event loop the channel lives on; the pool lends a connection on the caller's own loop first.
    let eventLoop: any EventLoop
    private let channel: any Channel
    /// Where the connection goes, for error messages.
    private let address: String
    /// Set once a command failed for any reason but an error reply: the pool then discards the connection.
    private let broken = Atomic<Bool>(false)
    /// Whether a request is flushed at the end of the event loop's turn, with the others written in it, rather than at once.
    private let flushesAfterTurn: Bool

    private init(channel: any Channel, address: String, flushesAfterTurn: Bool) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.address = address
        self.flushesAfterTurn = flushesAfterTurn
    }

    /// Whether the connection can serve another command: nothing failed on it and the server has not closed it.
    var isUsable: Bool { !broken.load(ordering: .relaxed) && channel.isActive }

    /// Connects on `eventLoop` within `connectTimeout` and selects `database` when it is not 0; `shared` for a connection
    /// that several tasks write to at once.
    static func connect(_ configuration: RedisConfiguration, on eventLoop: any EventLoop, shared: Bool = false) async throws -> RedisConnection {
        let address = "\(configuration.host):\(configuration.port)"
        let timeout = TimeAmount(configuration.commandTimeout)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(address: address, timeout: timeout))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch ChannelError.connectTimeout {
            throw RedisError(.timeout, "connecting to \(address): no answer within \(configuration.connectTimeout)")
        } catch {
            throw RedisError(.connection, "connecting to \(address): \(error)")
        }
        let connection = RedisConnection(channel: channel, address: address, flushesAfterTurn: shared)
        if configuration.database != 0 {
            do {
                try await connection.send(["SELECT", String(configuration.database)])
            } catch let failure as RedisError {
                connection.close()
                throw RedisError(.connection, "selecting database \(configuration.database) on \(address): \(failure.message)")
            }
        }
        return connection
    }

    /// Sends one command and waits for its reply; an error reply throws RedisError(.reply).
    @discardableResult
    public func send(_ command: [String]) async throws -> RedisReply {
        let reply = try await exchange([command])[0]
        if case .error(let message) = reply {
            throw RedisError(.reply, "\(message) (\(RedisCommandFormat.name(of: command)))")
        }
        return reply
    }

    /// Sends many commands in one write and waits for all their replies; error replies come back as `.error`
    /// elements, not thrown.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await exchange(commands)
    }

    /// Closes the channel; idempotent.
    func close() {
        broken.store(true, ordering: .relaxed)
        channel.close(promise: nil)
    }

    /// Writes the commands as one request and waits for as many replies.
    private func exchange(_ commands: [[String]]) async throws -> [RedisReply] {
        do {
            return try await Self.submit(commands, on: channel, address: address, flushAfterTurn: flushesAfterTurn).get()
        } catch {
            broken.store(true, ordering: .relaxed)
            throw error
        }
    }

    /// Formats the commands, hands them to the channel's handler as one request, and returns its replies to come; when
    /// the channel had already closed (the handler refused or was gone), they fail as unsent. With `flushAfterTurn` the
    /// request is flushed by a task queued behind the loop's current work: the requests written meanwhile leave with it
    /// (the flushes after the first find nothing left to write).
    static func submit(_ commands: [[String]], on channel: any Channel, address: String, flushAfterTurn: Bool = false) throws -> EventLoopFuture<[RedisReply]> {
        var bytes = channel.allocator.buffer(capacity: 64 * commands.count)
        for command in commands {
            try RedisCommandFormat.write(command, into: &bytes)
        }
        let replies = channel.eventLoop.makePromise(of: [RedisReply].self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { _ in
            replies.fail(RedisError(.connection, "the connection to \(address) is closed", unsent: true))
        }
        let request = RedisRequest(bytes: bytes, count: commands.count, name: RedisCommandFormat.name(of: commands[0]), replies: replies)
        if flushAfterTurn {
            channel.write(request, promise: written)
            channel.eventLoop.execute { channel.flush() }
        } else {
            channel.writeAndFlush(request, promise: written)
        }
        return replies.futureResult
    }
}
