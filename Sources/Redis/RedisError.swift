/// A failure of the Redis client: what kind it was and a message with its context.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    /// The broad category of a failure.
    public enum Kind: Sendable, Hashable {
        /// Connecting failed, or the connection broke (I/O error, closed by the server).
        case connection
        /// Connecting or waiting for a reply took longer than the configured timeout.
        case timeout
        /// The server answered with an error reply (e.g. `WRONGTYPE`, `ERR unknown command`).
        case reply
        /// The client or the server broke the protocol (malformed reply, empty command, out of memory).
        case protocolError
        /// A `redis://` URL could not be parsed.
        case invalidURL
        /// The pool was shut down.
        case poolClosed
    }

    /// The category of the failure.
    public var kind: Kind
    /// What failed, with context (command name, address, server message).
    public var message: String
    /// Set when the commands never left this process (the connection had already failed): sending them again on
    /// another connection cannot run them twice.
    var unsent = false

    /// Creates an error of the given kind with a message.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    init(_ kind: Kind, _ message: String, unsent: Bool) {
        self.init(kind, message)
        self.unsent = unsent
    }

    /// Creates an error of the given kind with a message.
    public init(kind: Kind, message: String) {
        self.init(kind, message)
    }

    /// A one-line description, e.g. `Redis reply error: WRONGTYPE ... (ZADD)`.
    public var description: String {
        "Redis \(kind) error: \(message)"
    }
}
