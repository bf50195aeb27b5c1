import Foundation
import RallyLedger
import Testing

/// Sealing secrets at rest, apart from any storage.
@Suite struct SecretKeyringTests {
    let old = SecretKeyring.Key(base64: SecretKeyring.Key.newBase64())!
    let new = SecretKeyring.Key(base64: SecretKeyring.Key.newBase64())!

    @Test func aSecretOpensWithItsKeyAndContextOnly() throws {
        let ring = SecretKeyring(current: new)
        let sealed = try ring.seal("whsec-0123456789abcdef", context: "webhooks/acme/crm")
        #expect(sealed.keyId == new.id)
        #expect(try ring.open(sealed, context: "webhooks/acme/crm") == "whsec-0123456789abcdef")
        #expect(try ring.seal("whsec-0123456789abcdef", context: "webhooks/acme/crm") != sealed, "a fresh nonce each time")
        // Moved to another webhook's row, or altered by one byte, it does not open.
        #expect { try ring.open(sealed, context: "webhooks/acme/other") } throws: { "\($0)".contains("does not open") }
        var altered = sealed
        altered.box[altered.box.count - 1] ^= 1
        #expect { try ring.open(altered, context: "webhooks/acme/crm") } throws: { "\($0)".contains("does not open") }
        // Under a key the ring lacks, the error names the key.
        #expect { try SecretKeyring(current: old).open(sealed, context: "webhooks/acme/crm") } throws: { "\($0)".contains(new.id) }
    }

    @Test func aPreviousKeyStillOpensWhatItSealed() throws {
        let sealed = try SecretKeyring(current: old).seal("s3cret-of-sixteen-chars", context: "c")
        let rotated = SecretKeyring(current: new, previous: [old])
        #expect(try rotated.open(sealed, context: "c") == "s3cret-of-sixteen-chars")
        #expect(try rotated.seal("x", context: "c").keyId == new.id)
        #expect(rotated.holds(old.id) && rotated.holds(new.id))
    }

    @Test func keysAreThirtyTwoBytesInBase64() {
        #expect(SecretKeyring.Key(base64: "c2hvcnQ=") == nil)
        #expect(SecretKeyring.Key(base64: "not base64 at all") == nil)
        #expect(SecretKeyring.Key(base64: " \(SecretKeyring.Key.newBase64())\n") != nil, "surrounding blanks are ignored")
        #expect(old.id != new.id && old.id.count == 16)
    }
}
