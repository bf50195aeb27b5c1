import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking hiredis connection, lent out by `RedisPool.withConnection` and used on one pool thread at a time.
///
/// `@unchecked Sendable`: the pool hands a connection from its async context to one of its threads and back, but
/// checkout guarantees that exactly one thread touches it at any moment; never keep or share it outside the body.
public final class RedisConnection: @unchecked Sendable {
    /// The hiredis context; nil once closed.
    private var context: UnsafeMutablePointer<redisContext>?
    /// Where the connection goes, for error messages.
    private let address: String
    /// Set when hiredis reported an error: the context is then unusable and the pool discards the connection.
    private(set) var isBroken = false

    private init(context: UnsafeMutablePointer<redisContext>, address: String) {
        self.context = context
        self.address = address
    }

    deinit {
        close()
    }

    /// Connects with `connectTimeout`, applies `commandTimeout`, and selects `database` when it is not 0.
    static func connect(_ configuration: RedisConfiguration) throws -> RedisConnection {
        let address = "\(configuration.host):\(configuration.port)"
        guard let context = redisConnectWithTimeout(
            configuration.host, Int32(clamping: configuration.port), timeval(configuration.connectTimeout)
        ) else {
            throw RedisError(.connection, "connecting to \(address): cannot allocate a context")
        }
        if context.pointee.err != 0 {
            let failure = Self.error(of: context, errno: errno, while: "connecting to \(address)")
            redisFree(context)
            throw failure
        }
        let connection = RedisConnection(context: context, address: address)
        if redisSetTimeout(context, timeval(configuration.commandTimeout)) != REDIS_OK {
            let failure = Self.error(of: context, errno: errno, while: "setting the timeout on \(address)")
            connection.close()
            throw failure
        }
        if configuration.database != 0 {
            do {
                try connection.send(["SELECT", String(configuration.database)])
            } catch let failure as RedisError {
                connection.close()
                throw RedisError(.connection, "selecting database \(configuration.database) on \(address): \(failure.message)")
            }
        }
        return connection
    }

    /// Sends one command and waits for its reply; an error reply throws RedisError(.reply).
    @discardableResult
    public func send(_ command: [String]) throws -> RedisReply {
        let context = try usableContext(for: [command])
        var savedErrno: Int32 = 0
        let raw = withArguments(command) { count, values, lengths in
            let reply = redisCommandArgv(context, count, values, lengths)
            savedErrno = errno
            return reply
        }
        guard let raw else {
            throw fail(context, errno: savedErrno, while: "sending \(Self.name(of: command))")
        }
        let reply = Self.take(raw)
        if case .error(let message) = reply {
            throw RedisError(.reply, "\(message) (\(Self.name(of: command)))")
        }
        return reply
    }

    /// Sends many commands in one round trip; error replies come back as `.error` elements, not thrown.
    public func pipeline(_ commands: [[String]]) throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        let context = try usableContext(for: commands)
        for command in commands {
            var savedErrno: Int32 = 0
            let status = withArguments(command) { count, values, lengths in
                let status = redisAppendCommandArgv(context, count, values, lengths)
                savedErrno = errno
                return status
            }
            if status != REDIS_OK {
                throw fail(context, errno: savedErrno, while: "queueing \(Self.name(of: command))")
            }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for command in commands {
            var raw: UnsafeMutableRawPointer?
            let status = redisGetReply(context, &raw)
            let savedErrno = errno
            guard status == REDIS_OK, let raw else {
                throw fail(context, errno: savedErrno, while: "reading the reply to \(Self.name(of: command)) in a pipeline")
            }
            replies.append(Self.take(raw))
        }
        return replies
    }

    /// Whether an idle connection still looks open: nothing (no EOF, no stray data) is waiting to be read.
    func isIdleAndOpen() -> Bool {
        guard let context, !isBroken, context.pointee.err == 0 else { return false }
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// Frees the hiredis context (closing the socket); idempotent.
    func close() {
        if let context {
            redisFree(context)
            self.context = nil
        }
        isBroken = true
    }

    /// The open context, or a thrown error when the connection is closed or a command list is empty.
    private func usableContext(for commands: [[String]]) throws -> UnsafeMutablePointer<redisContext> {
        guard let context, !isBroken else {
            throw RedisError(.connection, "the connection to \(address) is closed after an earlier failure")
        }
        if commands.contains(where: \.isEmpty) {
            throw RedisError(.protocolError, "a command needs at least its name")
        }
        return context
    }

    /// Marks the connection broken and describes the context's error.
    private func fail(_ context: UnsafeMutablePointer<redisContext>, errno code: Int32, while action: String) -> RedisError {
        isBroken = true
        return Self.error(of: context, errno: code, while: "\(action) on \(address)")
    }

    /// Maps `ctx->err` (and the saved errno) to a RedisError.
    private static func error(of context: UnsafeMutablePointer<redisContext>, errno code: Int32, while action: String) -> RedisError {
        let text = errorText(of: context)
        let kind: RedisError.Kind
        switch context.pointee.err {
        case REDIS_ERR_IO:
            let timedOut = code == EAGAIN || code == EWOULDBLOCK || code == ETIMEDOUT
                || text.contains("timed out") || text.contains("temporarily unavailable")
            kind = timedOut ? .timeout : .connection
        case REDIS_ERR_PROTOCOL, REDIS_ERR_OOM:
            kind = .protocolError
        default:
            kind = .connection
        }
        return RedisError(kind, "\(action): \(text.isEmpty ? "unknown error" : text)")
    }

    /// Reads `ctx->errstr`, a fixed C char array, up to its NUL.
    private static func errorText(of context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: &context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Converts and frees a reply returned by hiredis.
    private static func take(_ raw: UnsafeMutableRawPointer) -> RedisReply {
        defer { freeReplyObject(raw) }
        return RedisReply(UnsafePointer(raw.assumingMemoryBound(to: redisReply.self)))
    }

    /// The command's name, for messages (arguments are left out: they may hold data or secrets).
    private static func name(of command: [String]) -> String {
        command.first.map { $0.uppercased() } ?? "(empty command)"
    }
}

/// Copies the arguments' UTF-8 bytes into one buffer that lives through `body`, and passes hiredis' argc/argv/argvlen.
private func withArguments<Result>(
    _ command: [String],
    _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int>?) -> Result
) -> Result {
    let lengths = command.map(\.utf8.count)
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, lengths.reduce(0, +)), alignment: 1)
    defer { storage.deallocate() }
    var pointers: [UnsafePointer<CChar>?] = []
    pointers.reserveCapacity(command.count)
    var offset = 0
    for (argument, length) in zip(command, lengths) {
        let slice = UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + length)])
        slice.copyBytes(from: argument.utf8)
        pointers.append(slice.baseAddress.map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) })
        offset += length
    }
    return pointers.withUnsafeMutableBufferPointer { values in
        lengths.withUnsafeBufferPointer { sizes in
            body(Int32(clamping: command.count), values.baseAddress, sizes.baseAddress)
        }
    }
}

extension timeval {
    /// A C timeval from a non-negative Duration (negative values become zero).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) {
            self.init(tv_sec: 0, tv_usec: 0)
        } else {
            self.init(tv_sec: time_t(seconds), tv_usec: suseconds_t(attoseconds / 1_000_000_000_000))
        }
    }
}
