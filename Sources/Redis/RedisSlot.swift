/// Where a Redis Cluster keeps a key: one of 16,384 slots, from the CRC16 of the key's hash tag (what lies between its
/// first `{` and the next `}`, when that is not empty) or else of the whole key. Keys sharing a tag share a slot, which
/// is what lets a script or a pipeline touch several keys of one node.
public enum RedisSlot {
    public static let count = 16_384

    /// The slot of `key`.
    public static func of(key: some StringProtocol) -> Int {
        let bytes = Array(key.utf8)
        return Int(crc16(hashed(bytes)) % UInt16(count))
    }

    /// The slot a command's keys live in, by where the command names them: after `numkeys` for scripts, first for the
    /// rest; nil for a command that names no key (it may go to any node, or must go to every node: `SCAN`, `SCRIPT`).
    /// Commands naming several keys are routed by the first: the cluster refuses them when the others lie elsewhere.
    public static func of(command: [String]) -> Int? {
        guard let name = command.first?.uppercased() else { return nil }
        if keyless.contains(name) { return nil }
        if scripts.contains(name) {
            guard command.count > 3, let keys = Int(command[2]), keys > 0 else { return nil }
            return of(key: command[3])
        }
        return command.count > 1 ? of(key: command[1]) : nil
    }

    /// Commands whose first argument is not a key.
    static let keyless: Set<String> = ["PING", "ECHO", "INFO", "TIME", "SCAN", "DBSIZE", "FLUSHDB", "FLUSHALL", "SCRIPT",
                                       "CLUSTER", "ASKING", "READONLY", "SELECT", "AUTH", "HELLO", "CLIENT", "CONFIG",
                                       "COMMAND", "MULTI", "EXEC", "DISCARD", "PUBLISH", "SUBSCRIBE", "MEMORY", "DEBUG"]
    /// Commands that give their number of keys, then the keys: `EVALSHA digest numkeys key… arg…`.
    static let scripts: Set<String> = ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"]

    /// The bytes hashed for `key`: its tag when it has a non-empty one.
    static func hashed(_ key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
              let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 else { return key[...] }
        return key[(open + 1)..<close]
    }

    /// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), as Redis Cluster computes it.
    static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
