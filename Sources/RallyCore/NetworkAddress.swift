#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, and whether a webhook may be sent to it: only public unicast addresses, unless the operator
/// allows the others (`RALLY_WEBHOOK_ALLOW_PRIVATE=1`). A program's admin must not make Rally reach inside the network
/// it runs in (its loopback, the cloud's metadata service at 169.254.169.254, a private subnet).
public struct NetworkAddress: Sendable, Equatable, CustomStringConvertible {
    /// What an address is, for the refusal's wording.
    public enum Kind: String, Sendable {
        case `public`
        case unspecified
        case loopback
        case `private`
        case linkLocal = "link-local"
        case multicast
        case reserved
    }

    /// 4 bytes (IPv4) or 16 (IPv6), in network order.
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// An address written as text (`192.0.2.1`, `2001:db8::1`, `::ffff:127.0.0.1`); nil for anything else, a name included.
    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }

    public var kind: Kind {
        bytes.count == 4 ? Self.kind(v4: bytes) : Self.kind(v6: bytes)
    }

    private static func kind(v4 b: [UInt8]) -> Kind {
        switch (b[0], b[1]) {
        case (0, _): .unspecified                                   // 0.0.0.0/8, "this network"
        case (127, _): .loopback                                    // 127.0.0.0/8
        case (10, _), (172, 16...31), (192, 168): .private           // RFC 1918
        case (100, 64...127): .private                              // 100.64.0.0/10, carrier-grade NAT
        case (169, 254): .linkLocal                                 // 169.254.0.0/16, cloud metadata services among them
        case (224...239, _): .multicast                             // 224.0.0.0/4
        case (240...255, _): .reserved                              // 240.0.0.0/4 and the broadcast address
        case (192, 0) where b[2] == 0: .reserved                    // 192.0.0.0/24, protocol assignments
        case (198, 18...19): .reserved                              // 198.18.0.0/15, benchmarking
        default: .public
        }
    }

    private static func kind(v6 b: [UInt8]) -> Kind {
        let zeros = b.prefix(10).allSatisfy { $0 == 0 }
        // An IPv4 address written as IPv6 (mapped ::ffff:a.b.c.d, or the old compatible ::a.b.c.d) is what it embeds.
        if zeros, b[10] == 0xFF, b[11] == 0xFF { return kind(v4: Array(b[12...])) }
        if zeros, b[10] == 0, b[11] == 0 {
            if b[12...14].allSatisfy({ $0 == 0 }) {
                if b[15] == 0 { return .unspecified }               // ::
                if b[15] == 1 { return .loopback }                  // ::1
            }
            return kind(v4: Array(b[12...]))
        }
        // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B, b[4...11].allSatisfy({ $0 == 0 }) { return kind(v4: Array(b[12...])) }
        if b[0] == 0xFF { return .multicast }                       // ff00::/8
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return .linkLocal }  // fe80::/10
        if b[0] == 0xFE, b[1] & 0xC0 == 0xC0 { return .private }    // fec0::/10, the former site-local
        if b[0] & 0xFE == 0xFC { return .private }                  // fc00::/7, unique local
        return .public
    }
}
