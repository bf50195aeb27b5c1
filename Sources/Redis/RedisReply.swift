import CHiredis

/// A RESP2 reply from the server.
public enum RedisReply: Sendable, Equatable {
    /// A simple string such as `OK` or `PONG`.
    case status(String)
    /// An error reply, e.g. `ERR unknown command`.
    case error(String)
    /// An integer reply.
    case integer(Int)
    /// A bulk string (bytes decoded as UTF-8; invalid sequences are replaced).
    case bulk(String)
    /// A nil bulk string or nil array.
    case null
    /// A multi-bulk reply.
    case array([RedisReply])

    /// The value of an `.integer`, or of a `.bulk`/`.status` that parses as `Int`.
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk(let text), .status(let text): Int(text)
        default: nil
        }
    }

    /// The text of a `.bulk` or `.status`.
    public var string: String? {
        switch self {
        case .bulk(let text), .status(let text): text
        default: nil
        }
    }

    /// The value of a `.bulk` that parses as `Double` (e.g. `ZSCORE`, including `inf`), or of an `.integer`.
    public var double: Double? {
        switch self {
        case .bulk(let text): Double(text)
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The elements of an `.array`.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is `.null`.
    public var isNull: Bool { self == .null }
}

extension RedisReply {
    /// Copies a hiredis reply tree into a Swift value (the caller still frees `reply`).
    init(_ reply: UnsafePointer<redisReply>) {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STRING:
            self = .bulk(Self.text(node.str, node.len))
        case REDIS_REPLY_STATUS:
            self = .status(Self.text(node.str, node.len))
        case REDIS_REPLY_ERROR:
            self = .error(Self.text(node.str, node.len))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int(node.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(node.elements))
            if let children = node.element {
                for index in 0..<Int(node.elements) {
                    if let child = children[index] {
                        elements.append(RedisReply(UnsafePointer(child)))
                    } else {
                        elements.append(.null)
                    }
                }
            }
            self = .array(elements)
        default:
            self = .null
        }
    }

    /// Decodes `length` bytes at `pointer` as UTF-8 (binary-safe: embedded NULs are kept).
    private static func text(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> String {
        guard let pointer, length > 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        return String(decoding: bytes, as: UTF8.self)
    }
}
