import Crypto
import Foundation

/// A secret as stored: AES-256-GCM's nonce, ciphertext and tag, and the id of the key that sealed it.
public struct SealedSecret: Sendable, Equatable {
    public var keyId: String
    public var box: Data
}

/// The keys that seal secrets at rest (webhook secrets): the current key seals, it or a previous one opens. A database
/// dump alone cannot open them. Each sealed secret is bound to what it belongs to (`context`), so that it cannot be
/// moved to another row and opened there.
public struct SecretKeyring: Sendable {
    public struct Key: Sendable {
        /// Names the key without revealing it: the first 8 bytes of SHA-256 over a label and the key, in hex.
        public let id: String
        /// Its 32 bytes (`SymmetricKey` is not `Sendable`).
        private let bytes: Data
        var key: SymmetricKey { SymmetricKey(data: bytes) }

        /// Reads a key as `RALLY_SECRET_KEY` gives it: 32 bytes in base64 (`openssl rand -base64 32`).
        public init?(base64 text: String) {
            guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else { return nil }
            self.bytes = bytes
            id = SHA256.hash(data: Data("rally secret key id ".utf8) + bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
        }

        /// A new random key, in base64.
        public static func newBase64() -> String {
            SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        }
    }

    public let current: Key
    public let previous: [Key]

    public init(current: Key, previous: [Key] = []) {
        self.current = current
        self.previous = previous.filter { $0.id != current.id }
    }

    public func holds(_ keyId: String) -> Bool {
        key(keyId) != nil
    }

    private func key(_ id: String) -> Key? {
        ([current] + previous).first { $0.id == id }
    }

    /// Keys for `purpose` (HKDF-SHA256 of each key of the ring, `purpose` as its info), the current key's first: what one
    /// signs, any of them verifies, so that a rotation does not end what was signed before it.
    public func derivedKeys(purpose: String) -> [SymmetricKey] {
        ([current] + previous).map { HKDF<SHA256>.deriveKey(inputKeyMaterial: $0.key, info: Data(purpose.utf8), outputByteCount: 32) }
    }

    public func seal(_ secret: String, context: String) throws -> SealedSecret {
        let box = try AES.GCM.seal(Data(secret.utf8), using: current.key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw SecretError(description: "AES-GCM gave no combined form") }
        return SealedSecret(keyId: current.id, box: combined)
    }

    /// The secret, or an error that says why it cannot be opened (a key this keyring lacks, or a box altered or moved).
    public func open(_ sealed: SealedSecret, context: String) throws -> String {
        guard let key = key(sealed.keyId) else {
            throw SecretError(description: "the secret is sealed under key \(sealed.keyId), which is neither RALLY_SECRET_KEY nor among RALLY_PREVIOUS_SECRET_KEYS")
        }
        do {
            let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed.box), using: key.key, authenticating: Data(context.utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw SecretError(description: "the secret is sealed under key \(sealed.keyId) but does not open with it: altered, or moved from another row")
        }
    }
}

/// A secret that cannot be sealed or opened, and why.
public struct SecretError: Error, CustomStringConvertible {
    public var description: String
}
