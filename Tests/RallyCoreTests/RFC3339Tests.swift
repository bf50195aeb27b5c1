import Foundation
import Testing
@testable import RallyCore

@Suite struct RFC3339ParseTests {
    @Test func parsesZulu() {
        #expect(RFC3339.parse("2026-11-20T08:14:00Z") == utc(2026, 11, 20, 8, 14))
    }

    @Test func parsesLowercaseSeparatorAndZulu() {
        #expect(RFC3339.parse("2026-11-20t08:14:00z") == utc(2026, 11, 20, 8, 14))
    }

    @Test(arguments: [
        "2026-11-20T09:14:00+01:00",
        "2026-11-20T05:14:00-03:00",
        "2026-11-20T13:44:00+05:30",
        "2026-11-19T22:44:00-09:30",
        "2026-11-20T08:14:00+00:00",
        "2026-11-20T08:14:00-00:00",
        "2026-11-21T08:13:00+23:59",
    ])
    func offsetsNameTheSameInstant(text: String) {
        #expect(RFC3339.parse(text) == utc(2026, 11, 20, 8, 14))
    }

    @Test func offsetMovesTheDateAcrossMidnight() {
        #expect(RFC3339.parse("2027-01-01T00:30:00+01:00") == utc(2026, 12, 31, 23, 30))
        #expect(RFC3339.parse("2026-12-31T21:00:00-03:00") == utc(2027, 1, 1))
    }

    @Test(arguments: [
        ("2026-11-20T08:14:00.250Z", 0.25),
        ("2026-11-20T08:14:00.5Z", 0.5),
        ("2026-11-20T08:14:00.75+00:00", 0.75),
        ("2026-11-20T09:14:00.125+01:00", 0.125),
        ("2026-11-20T08:14:00.000Z", 0.0),
    ])
    func parsesFractions(text: String, fraction: Double) {
        #expect(RFC3339.parse(text) == utc(2026, 11, 20, 8, 14).addingTimeInterval(fraction))
    }

    @Test func parsesNineFractionDigitsAndRejectsTen() throws {
        let nine = try #require(RFC3339.parse("2026-11-20T08:14:00.123456789Z"))
        #expect(abs(nine.timeIntervalSince(utc(2026, 11, 20, 8, 14)) - 0.123456789) < 1e-6)
        #expect(RFC3339.parse("2026-11-20T08:14:00.1234567891Z") == nil)
    }

    @Test func parsesMillisecondsToTheExactMillisecond() {
        let base = millisSinceEpoch(utc(2026, 11, 20, 8, 14))
        for ms in 0..<1000 {
            let text = "2026-11-20T08:14:00." + String(format: "%03d", ms) + "Z"
            #expect(RFC3339.parse(text).map(millisSinceEpoch) == base + Int64(ms), "\(text)")
        }
    }

    @Test func leapDayIsValidOnlyInLeapYears() {
        #expect(RFC3339.parse("2024-02-29T12:00:00Z") == utc(2024, 2, 29, 12))
        #expect(RFC3339.parse("2000-02-29T12:00:00Z") == utc(2000, 2, 29, 12))
        #expect(RFC3339.parse("2026-02-29T12:00:00Z") == nil)
        #expect(RFC3339.parse("1900-02-29T12:00:00Z") == nil)
    }

    @Test func leapSecondIsReadAsTheSecondBefore() {
        #expect(RFC3339.parse("2016-12-31T23:59:60Z") == utc(2016, 12, 31, 23, 59, 59))
    }

    @Test func parsesDatesBeforeTheEpoch() {
        #expect(RFC3339.parse("1969-12-31T23:59:59.500Z") == utc(1970, 1, 1).addingTimeInterval(-0.5))
        #expect(RFC3339.parse("1900-01-01T00:00:00Z") == utc(1900, 1, 1))
    }

    @Test(arguments: [
        "",
        "2026-11-20",
        "2026-11-20T08:14:00", // no offset
        "2026-11-20T08:14:00.250", // no offset after a fraction
        "2026-11-20T08:14Z", // no seconds
        "2026-13-20T08:14:00Z", // month 13
        "2026-00-20T08:14:00Z", // month 0
        "2026-11-00T08:14:00Z", // day 0
        "2026-11-31T08:14:00Z", // November has 30 days
        "2026-04-31T08:14:00Z",
        "2026-11-20T24:00:00Z", // hour 24
        "2026-11-20T08:60:00Z", // minute 60
        "2026-11-20T08:14:61Z", // second 61
        "2026-11-20T08:14:00Zx", // trailing garbage
        "2026-11-20T08:14:00+01:00 ",
        "2026-11-20T08:14:00+01:00Z",
        " 2026-11-20T08:14:00Z",
        "2026-11-20 08:14:00Z", // space separator
        "2026-11-20X08:14:00Z",
        "2026/11/20T08:14:00Z",
        "2026-11-20T08.14.00Z",
        "2026-11-20T08:14:00+0100", // offset without colon
        "2026-11-20T08:14:00+01", // truncated offset
        "2026-11-20T08:14:00+01:0",
        "2026-11-20T08:14:00+24:00", // offset hour 24
        "2026-11-20T08:14:00+01:60", // offset minute 60
        "2026-11-20T08:14:00.Z", // empty fraction
        "2026-11-20T08:14:00,5Z", // comma fraction
        "26-11-20T08:14:00Z",
        "+2026-11-20T08:14:00Z",
        "2026-1a-20T08:14:00Z",
        "2026-11-20T08:14:0aZ",
        "２026-11-20T08:14:00Z", // fullwidth digit
    ])
    func rejectsMalformedTimestamps(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}

@Suite struct RFC3339FormatTests {
    @Test func formatsUTCWithZ() {
        #expect(RFC3339.format(utc(2026, 11, 20, 8, 14), offsetSeconds: 0) == "2026-11-20T08:14:00Z")
    }

    @Test(arguments: [
        (3600, "2026-11-20T09:14:00+01:00"),
        (7200, "2026-11-20T10:14:00+02:00"),
        (-10_800, "2026-11-20T05:14:00-03:00"),
        (19_800, "2026-11-20T13:44:00+05:30"),
        (-34_200, "2026-11-19T22:44:00-09:30"),
        (50_400, "2026-11-20T22:14:00+14:00"),
        (-39_600, "2026-11-19T21:14:00-11:00"),
        (20_700, "2026-11-20T13:59:00+05:45"),
    ])
    func formatsWithOffsets(offset: Int, text: String) {
        #expect(RFC3339.format(utc(2026, 11, 20, 8, 14), offsetSeconds: offset) == text)
    }

    @Test func formatsMillisecondsOnlyWhenThereIsAFraction() {
        let instant = utc(2026, 11, 20, 8, 14)
        #expect(RFC3339.format(instant.addingTimeInterval(0.25), offsetSeconds: 0) == "2026-11-20T08:14:00.250Z")
        #expect(RFC3339.format(instant.addingTimeInterval(0.5), offsetSeconds: 3600) == "2026-11-20T09:14:00.500+01:00")
        #expect(RFC3339.format(instant.addingTimeInterval(0.125), offsetSeconds: -10_800) == "2026-11-20T05:14:00.125-03:00")
        #expect(RFC3339.format(instant, offsetSeconds: 0) == "2026-11-20T08:14:00Z")
    }

    @Test func formatsToTheNearestMillisecond() {
        let instant = utc(2026, 11, 20, 8, 14)
        #expect(RFC3339.format(instant.addingTimeInterval(0.0004), offsetSeconds: 0) == "2026-11-20T08:14:00Z")
        #expect(RFC3339.format(instant.addingTimeInterval(0.0006), offsetSeconds: 0) == "2026-11-20T08:14:00.001Z")
        #expect(RFC3339.format(instant.addingTimeInterval(0.9996), offsetSeconds: 0) == "2026-11-20T08:14:01Z")
        #expect(RFC3339.format(instant.addingTimeInterval(-0.0004), offsetSeconds: 0) == "2026-11-20T08:14:00Z")
    }

    @Test func formatsEveryMillisecondExactly() {
        for ms in 0..<1000 {
            let text = "2026-11-20T08:14:00." + String(format: "%03d", ms) + "Z"
            let instant = Date(timeIntervalSince1970: Double(millisSinceEpoch(utc(2026, 11, 20, 8, 14)) + Int64(ms)) / 1000)
            let expected = ms == 0 ? "2026-11-20T08:14:00Z" : text
            #expect(RFC3339.format(instant, offsetSeconds: 0) == expected)
        }
    }

    @Test func formattingAParsedTimestampGivesItBack() {
        for text in [
            "2026-11-20T08:14:00Z",
            "2026-11-20T09:14:00.123+01:00",
            "2026-11-20T13:44:00.999+05:30",
            "2026-11-19T22:44:00.001-09:30",
            "2038-01-19T03:14:07.007Z",
            "1969-12-31T23:59:59.999Z",
            "1950-06-15T12:00:00.010-03:00",
        ] {
            let offset = offsetSeconds(of: text)
            #expect(RFC3339.parse(text).map { RFC3339.format($0, offsetSeconds: offset) } == text)
        }
    }

    @Test func formatsDatesBeforeTheEpoch() {
        #expect(RFC3339.format(utc(1969, 12, 31, 23, 59, 59), offsetSeconds: 0) == "1969-12-31T23:59:59Z")
        #expect(RFC3339.format(utc(1970, 1, 1).addingTimeInterval(-0.25), offsetSeconds: 0) == "1969-12-31T23:59:59.750Z")
        #expect(RFC3339.format(utc(1970, 1, 1), offsetSeconds: -3600) == "1969-12-31T23:00:00-01:00")
        #expect(RFC3339.format(utc(1900, 3, 1), offsetSeconds: 0) == "1900-03-01T00:00:00Z")
    }

    @Test func formatsInATimeZoneWithItsOffsetAtThatInstant() {
        let paris = zone("Europe/Paris")
        #expect(RFC3339.format(utc(2026, 7, 1, 10), in: paris) == "2026-07-01T12:00:00+02:00")
        #expect(RFC3339.format(utc(2026, 1, 1, 10), in: paris) == "2026-01-01T11:00:00+01:00")
        #expect(RFC3339.format(utc(2026, 3, 29, 0, 59, 59), in: paris) == "2026-03-29T01:59:59+01:00")
        #expect(RFC3339.format(utc(2026, 3, 29, 1), in: paris) == "2026-03-29T03:00:00+02:00")
        #expect(RFC3339.format(utc(2026, 11, 20, 8, 14), in: zone("Asia/Kolkata")) == "2026-11-20T13:44:00+05:30")
        #expect(RFC3339.format(utc(2026, 11, 20, 8, 14), in: TimeZone(secondsFromGMT: 0)!) == "2026-11-20T08:14:00Z")
    }

    @Test func parseOfFormatIsTheSameInstantToTheMillisecond() {
        let offsets = [0, 3600, -3600, 7200, -10_800, 19_800, -34_200, 50_400, -43_200, 20_700]
        // A deterministic spread of instants from 1900 to 2100 (linear congruential generator).
        var state: UInt64 = 0x5EED
        let low = millisSinceEpoch(utc(1900, 1, 1))
        let high = millisSinceEpoch(utc(2100, 1, 1))
        for i in 0..<5000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let millis = low + Int64((state >> 11) % UInt64(high - low))
            let instant = Date(timeIntervalSince1970: Double(millis) / 1000)
            let offset = offsets[i % offsets.count]
            let text = RFC3339.format(instant, offsetSeconds: offset)
            #expect(RFC3339.parse(text).map(millisSinceEpoch) == millis, "\(text)")
        }
    }

    private func offsetSeconds(of text: String) -> Int {
        guard !text.hasSuffix("Z") else { return 0 }
        let suffix = text.suffix(6)
        let sign = suffix.first == "-" ? -1 : 1
        let hours = Int(suffix.dropFirst().prefix(2))!
        let minutes = Int(suffix.suffix(2))!
        return sign * (hours * 3600 + minutes * 60)
    }
}
