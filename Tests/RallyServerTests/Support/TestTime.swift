import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import RallyCore
import RallyServer
import Redis
import Testing

/// Timestamps written independently of Rally's own RFC 3339 code.
enum Timestamp {
    /// Now, to the whole second (what the formatter writes).
    static func now() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    /// `2026-11-20T08:14:00Z`, or with the given offset (`+05:30`).
    static func rfc3339(_ date: Date, offsetSeconds: Int = 0) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(secondsFromGMT: offsetSeconds)!
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func date(_ text: String) -> Date {
        guard let date = parse(text) else { preconditionFailure("bad test timestamp \(text)") }
        return date
    }

    /// `+01:00` for the zone's offset at `date`.
    static func offset(of zone: TimeZone, at date: Date) -> String {
        let seconds = zone.secondsFromGMT(for: date)
        let sign = seconds < 0 ? "-" : "+"
        return sign + String(format: "%02d:%02d", abs(seconds) / 3600, abs(seconds) / 60 % 60)
    }

    /// The local calendar date of `date` in `zone`, as `YYYY-MM-DD`.
    static func localDate(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// The ISO week (`2026-W47`) containing `date` in `zone`.
    static func isoWeekKey(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
        return String(format: "%04d-W%02d", parts.yearForWeekOfYear!, parts.weekOfYear!)
    }
}

/// The default points of the core actions, as the contract states them.
enum DefaultPoints {
    static let post = 25
    static let share = 10
    static let comment = 5
    static let like = 1

    static func of(_ action: String) -> Int {
        ["post": post, "share": share, "comment": comment, "like": like][action]!
    }
}
