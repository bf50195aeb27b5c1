import Foundation
import NIOPosix
import RallyCore

/// Finds the addresses a host name stands for (the system's resolver in service; a test gives its own).
public protocol NameResolver: Sendable {
    func addresses(of host: String) async throws -> [NetworkAddress]
}

/// `getaddrinfo`, on NIO's thread pool (it blocks).
public struct SystemResolver: NameResolver {
    public init() {}

    public func addresses(of host: String) async throws -> [NetworkAddress] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &list)
            guard status == 0, let first = list else { throw ResolutionError(host: host, reason: String(cString: gai_strerror(status))) }
            defer { freeaddrinfo(first) }
            var found: [NetworkAddress] = []
            for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
                guard let address = entry.pointee.ai_addr else { continue }
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    found += [NetworkAddress(bytes: withUnsafeBytes(of: &v4) { Array($0) })].compactMap { $0 }
                case AF_INET6:
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    found += [NetworkAddress(bytes: withUnsafeBytes(of: &v6) { Array($0) })].compactMap { $0 }
                default:
                    continue
                }
            }
            return found.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        }
    }
}

struct ResolutionError: Error, CustomStringConvertible {
    var host: String
    var reason: String
    var description: String { "cannot resolve \(host): \(reason)" }
}

/// Where webhooks may be sent: public addresses only, unless the operator allows private ones
/// (`RALLY_WEBHOOK_ALLOW_PRIVATE=1`). Checked when a webhook is defined (its host, or every address its name resolves
/// to now) and again at each delivery, on the address the delivery then connects to: a name may resolve elsewhere later.
struct WebhookTargets: Sendable {
    let allowPrivate: Bool
    let resolver: any NameResolver

    /// Why `host` may not be a webhook's, or nil. A name that does not resolve now passes: its deliveries are checked.
    func problem(host: String) async -> String? {
        guard !allowPrivate else { return nil }
        let addresses: [NetworkAddress]
        if let literal = Self.literal(host) {
            addresses = [literal]
        } else {
            guard let resolved = try? await resolver.addresses(of: host) else { return nil }
            addresses = resolved
        }
        return addresses.lazy.compactMap(Self.refusal).first
    }

    /// The address a delivery to `host` connects to: the first it resolves to, when every one is allowed.
    func address(for host: String) async throws -> NetworkAddress {
        let addresses: [NetworkAddress]
        if let literal = Self.literal(host) { addresses = [literal] } else { addresses = try await resolver.addresses(of: host) }
        guard let first = addresses.first else { throw ResolutionError(host: host, reason: "no address") }
        if !allowPrivate, let refusal = addresses.lazy.compactMap(Self.refusal).first { throw TargetRefused(reason: refusal) }
        return first
    }

    struct TargetRefused: Error, CustomStringConvertible {
        var reason: String
        var description: String { "refused: \(reason)" }
    }

    /// An address in the host part of a URL (IPv6 between brackets).
    static func literal(_ host: String) -> NetworkAddress? {
        NetworkAddress(host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host)
    }

    private static func refusal(_ address: NetworkAddress) -> String? {
        switch address.kind {
        case .public: nil
        case .unspecified: "\(address) is an unspecified address"
        case let kind: "\(address) is a \(kind.rawValue) address"
        }
    }
}
