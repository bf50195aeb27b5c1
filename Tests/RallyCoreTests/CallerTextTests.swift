import Testing
@testable import RallyCore

@Suite struct CallerTextTests {
    static let control = "must not contain control characters (U+0000-U+001F, U+007F-U+009F)"

    @Test(arguments: ["a\u{0}b", "\u{0}", "tab\there", "line\nbreak", "bell\u{7}", "del\u{7F}", "c1\u{85}", "c1\u{9F}", "esc\u{1B}[31m"])
    func controlCharactersAreRefused(value: String) {
        #expect(CallerText.problem(value, maximumLength: 64) == Self.control)
    }

    @Test func replacementCharacterIsRefused() {
        #expect(CallerText.problem("a\u{FFFD}b", maximumLength: 64)
            == "must not contain U+FFFD (the mark of invalid UTF-8 or an unpaired surrogate)")
    }

    @Test(arguments: ["Ana", "Équipe Lyon", "🚀 launch", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "日本語", "a b", "'; DROP TABLE events; --", "{rally}/lb/*", "\u{A0}nbsp", "\u{200D}zwj"])
    func printableTextIsAccepted(value: String) {
        #expect(CallerText.problem(value, maximumLength: 64) == nil)
    }

    @Test func lengthCountsUnicodeScalars() {
        // Four 4-byte scalars are 16 bytes of UTF-8 but four characters.
        #expect(CallerText.problem("🚀🚀🚀🚀", maximumLength: 4) == nil)
        #expect(CallerText.problem("🚀🚀🚀🚀🚀", maximumLength: 4) == "must be at most 4 characters")
        #expect(CallerText.problem(String(repeating: "é", count: 200), maximumLength: 200) == nil)
    }

    @Test func emptyTextIsRefused() {
        #expect(CallerText.problem("", maximumLength: 10) == "must not be empty")
    }

    @Test func problemsNameTheField() {
        #expect(CallerText.problems("x\u{0}", field: "events[3].tags[0]", maximumLength: 64)
            == [FieldProblem(field: "events[3].tags[0]", problem: Self.control)])
        #expect(CallerText.problems(nil, field: "label", maximumLength: 64) == [])
        #expect(CallerText.problems("ok", field: "label", maximumLength: 64) == [])
    }
}

@Suite struct ProgramSettingsTests {
    @Test func defaultsAreAYearBackAndAnHourAhead() {
        #expect(ProgramSettings.defaults == ProgramSettings(backfillDays: 366, clockSkewMinutes: 60))
        let now = utc(2026, 11, 20, 12)
        #expect(ProgramSettings.defaults.earliestOccurrence(now: now) == utc(2025, 11, 19, 12))
        #expect(ProgramSettings.defaults.latestOccurrence(now: now) == utc(2026, 11, 20, 13))
    }

    @Test func settingsOutOfRangeAreNamed() {
        #expect(ProgramSettings(backfillDays: 0, clockSkewMinutes: 1441).problems.map(\.field) == ["backfillDays", "clockSkewMinutes"])
        #expect(ProgramSettings(backfillDays: 3661, clockSkewMinutes: -1).problems.map(\.field) == ["backfillDays", "clockSkewMinutes"])
        #expect(ProgramSettings(backfillDays: 1, clockSkewMinutes: 0).problems == [])
        #expect(ProgramSettings(backfillDays: 3660, clockSkewMinutes: 1440).problems == [])
    }
}
