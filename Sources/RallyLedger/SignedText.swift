import Crypto
import Foundation
import RallyCore

/// Short signed texts for browsers to carry (viewer tokens, console sessions): `<version>.<payload>.<mac>`, the payload
/// a JSON object and both parts in base64url without padding, the MAC HMAC-SHA256 under a key of the secret keyring
/// derived for the text's purpose. Anyone may read one; only a holder of the keys can make one.
public struct SignedText: Sendable {
    let version: String
    let purpose: String
    let keyring: SecretKeyring

    public init(version: String, purpose: String, keyring: SecretKeyring) {
        self.version = version
        self.purpose = purpose
        self.keyring = keyring
    }

    /// Derived at each use (`SymmetricKey` is not `Sendable`): two HMACs a key.
    private var keys: [SymmetricKey] { keyring.derivedKeys(purpose: purpose) }

    public func sign(_ fields: [String: JSONValue]) -> String {
        let payload = Data(JSONValue.object(fields).text.utf8)
        return version + "." + Self.base64URL(payload) + "." + Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: payload, using: keys[0])))
    }

    /// The payload's fields when `text` is well formed and its MAC is one of the keys' (compared in constant time).
    public func open(_ text: String) -> [String: JSONValue]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard text.utf8.count <= 2048, parts.count == 3, parts[0] == version, let payload = Self.data(base64URL: parts[1]),
              let mac = Self.data(base64URL: parts[2]),
              keys.contains(where: { HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: $0) }),
              case let .object(fields)? = JSONValue(text: String(decoding: payload, as: UTF8.self))
        else { return nil }
        return fields
    }

    /// A MAC of `text` alone, in base64url (a form's CSRF field).
    public func mac(_ text: String) -> String {
        Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: keys[0])))
    }

    /// Whether `mac` is one of the keys' MAC of `text` (in constant time).
    public func verify(mac: String, of text: String) -> Bool {
        guard let bytes = Self.data(base64URL: mac[...]) else { return false }
        return keys.contains { HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Data(text.utf8), using: $0) }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
