/// A Redis server's address in a cluster.
public struct RedisNodeAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// From `host:port` as redirections give it (the last colon separates the port: IPv6 hosts keep theirs).
    init?(_ text: some StringProtocol) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Which master serves each slot, as `CLUSTER SLOTS` answered, kept up to date by the redirections that follow.
struct RedisSlotMap: Sendable, Equatable {
    /// Each slot's master, by index into `masters`; -1 for a slot no node serves.
    private var owners: [Int16]
    private(set) var masters: [RedisNodeAddress]
    /// Each master's replicas, as the map was read.
    private(set) var replicas: [RedisNodeAddress: [RedisNodeAddress]]

    /// From a `CLUSTER SLOTS` reply: `[[first, last, [host, port, id…], replica…]…]`. A node announced without a host
    /// (an empty string or `?`) is the one asked, `asked`.
    init(clusterSlots reply: RedisReply, asked: RedisNodeAddress) throws {
        guard let ranges = reply.array else {
            throw RedisError(.protocolError, "CLUSTER SLOTS answered \(reply) from \(asked)")
        }
        owners = Array(repeating: -1, count: RedisSlot.count)
        masters = []
        replicas = [:]
        func node(_ reply: RedisReply) throws -> RedisNodeAddress {
            guard let parts = reply.array, parts.count >= 2, let host = parts[0].string, let port = parts[1].int else {
                throw RedisError(.protocolError, "CLUSTER SLOTS named a node as \(reply) from \(asked)")
            }
            return host.isEmpty || host == "?" ? RedisNodeAddress(host: asked.host, port: port) : RedisNodeAddress(host: host, port: port)
        }
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let first = parts[0].int, let last = parts[1].int,
                  0 <= first, first <= last, last < RedisSlot.count else {
                throw RedisError(.protocolError, "CLUSTER SLOTS answered a range \(range) from \(asked)")
            }
            let master = try node(parts[2])
            let index = masters.firstIndex(of: master) ?? { masters.append(master); return masters.count - 1 }()
            for slot in first...last { owners[slot] = Int16(index) }
            for replica in parts.dropFirst(3) {
                let address = try node(replica)
                if !replicas[master, default: []].contains(address) { replicas[master, default: []].append(address) }
            }
        }
    }

    /// The master serving `slot`, nil when none does.
    func master(of slot: Int) -> RedisNodeAddress? {
        let index = owners[slot]
        return index >= 0 ? masters[Int(index)] : nil
    }

    /// After a `MOVED`: `slot` is served by `master` from now on.
    mutating func move(_ slot: Int, to master: RedisNodeAddress) {
        let index = masters.firstIndex(of: master) ?? { masters.append(master); return masters.count - 1 }()
        owners[slot] = Int16(index)
    }
}

/// What a cluster node answers when it does not serve a command's slot, or cannot now.
enum RedisRedirection: Equatable {
    /// The slot lives on `address` now: send there, and learn the map again.
    case moved(slot: Int, address: RedisNodeAddress)
    /// The slot is migrating and the key may already be on `address`: send there once, after `ASKING`.
    case ask(slot: Int, address: RedisNodeAddress)
    /// A multi-key command met a slot in migration (`TRYAGAIN`), or the cluster cannot serve the slot (`CLUSTERDOWN`):
    /// send again a little later.
    case retryLater

    /// From an error reply's message; nil for any other error.
    init?(_ message: String) {
        let parts = message.split(separator: " ")
        switch parts.first {
        case "MOVED", "ASK":
            guard parts.count == 3, let slot = Int(parts[1]), (0..<RedisSlot.count).contains(slot),
                  let address = RedisNodeAddress(parts[2]) else { return nil }
            self = parts[0] == "MOVED" ? .moved(slot: slot, address: address) : .ask(slot: slot, address: address)
        case "TRYAGAIN", "CLUSTERDOWN":
            self = .retryLater
        default:
            return nil
        }
    }
}
