import Testing
@testable import RallyCore

@Suite struct IdentifierTests {
    @Test(arguments: [
        "a", "Z", "0", "evt-2026-11-20", "member@example.com", "urn:li:share:7123", "A.b_c:d@e-f",
        String(repeating: "x", count: 128),
    ])
    func acceptsAllowedCharactersUpTo128(value: String) {
        #expect(Identifier.isValid(value))
    }

    @Test(arguments: [
        "", " ", "has space", "tab\t", "slash/", "hash#", "plus+", "comma,", "quote'", "percent%",
        "é", "ünïcode", "emoji🎉", "nul\u{0}", "newline\n", "ｆｕｌｌ",
        String(repeating: "x", count: 129),
    ])
    func rejectsOtherCharactersEmptyAndTooLong(value: String) {
        #expect(!Identifier.isValid(value))
    }

    @Test func maximumLengthIs128() {
        #expect(Identifier.maximumLength == 128)
    }
}
