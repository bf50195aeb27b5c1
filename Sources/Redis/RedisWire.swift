import CHiredis
import NIOCore

/// Commands written as RESP bytes by hiredis's formatter (`redisFormatCommandArgv`), whatever carries them.
enum RedisCommandFormat {
    /// Appends `command` to `buffer` in the protocol's multi-bulk form; throws on an empty command.
    static func write(_ command: [String], into buffer: inout ByteBuffer) throws {
        guard !command.isEmpty else {
            throw RedisError(.protocolError, "a command needs at least its name")
        }
        var target: UnsafeMutablePointer<CChar>?
        let length = withArguments(command) { count, values, lengths in
            redisFormatCommandArgv(&target, count, values, lengths)
        }
        guard length > 0, let target else {
            throw RedisError(.protocolError, "hiredis could not format \(name(of: command))")
        }
        defer { redisFreeCommand(target) }
        buffer.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(length)))
    }

    /// The command's name, for messages (arguments are left out: they may hold data or secrets).
    static func name(of command: [String]) -> String {
        command.first.map { $0.uppercased() } ?? "(empty command)"
    }
}

/// hiredis's reply parser (`redisReader`) fed with bytes as they arrive: a reply split across reads waits for the rest,
/// several replies in one read come out one by one.
///
/// Not thread-safe: it belongs to one channel handler, on its event loop.
final class RedisReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() {
        reader = redisReaderCreate()
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Hands the readable bytes of `buffer` to the parser (hiredis copies them).
    func feed(_ buffer: ByteBuffer) throws {
        let status = buffer.withUnsafeReadableBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return REDIS_OK }
            return redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        if status != REDIS_OK { throw failure() }
    }

    /// The next complete reply, or nil until more bytes arrive; throws when the bytes break the protocol.
    func next() throws -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else { throw failure() }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RedisReply(UnsafePointer(raw.assumingMemoryBound(to: redisReply.self)))
    }

    /// The parser's error: after it the stream cannot be trusted.
    private func failure() -> RedisError {
        let text = withUnsafeBytes(of: &reader.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return RedisError(.protocolError, "malformed reply: \(text.isEmpty ? "unknown error" : text)")
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
