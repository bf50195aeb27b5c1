import Foundation

/// An instant from UTC wall-clock fields, computed with Foundation's Gregorian calendar (not with RallyCore).
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0)!
    let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    return calendar.date(from: components)!
}

/// A time zone that must exist in the system's tz data.
func zone(_ identifier: String) -> TimeZone {
    TimeZone(identifier: identifier)!
}

/// Whole milliseconds since 1970, rounded to nearest (for comparing instants that went through decimal text).
func millisSinceEpoch(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1000).rounded())
}
