import Foundation

/// A program's settings that the domain applies: how far back and ahead of Rally's clock an event's `occurredAt` may lie.
///
/// The window keeps what one key can create bounded (every period an event falls in gets a board) while letting
/// platforms import last year's history.
public struct ProgramSettings: Sendable, Equatable {
    /// How many days before now `occurredAt` may lie (the backfill window).
    public var backfillDays: Int
    /// How many minutes after now `occurredAt` may lie (clocks of other platforms run a little ahead).
    public var clockSkewMinutes: Int

    public init(backfillDays: Int = Self.defaults.backfillDays, clockSkewMinutes: Int = Self.defaults.clockSkewMinutes) {
        self.backfillDays = backfillDays
        self.clockSkewMinutes = clockSkewMinutes
    }

    public static let defaults = ProgramSettings(backfillDays: 366, clockSkewMinutes: 60)
    public static let backfillDaysRange = 1...3660
    public static let clockSkewMinutesRange = 0...1440

    /// The earliest `occurredAt` accepted at `now`.
    public func earliestOccurrence(now: Date) -> Date { now.addingTimeInterval(-Double(backfillDays) * 86_400) }

    /// The latest `occurredAt` accepted at `now`.
    public func latestOccurrence(now: Date) -> Date { now.addingTimeInterval(Double(clockSkewMinutes) * 60) }

    /// Every setting outside its range.
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        if !Self.backfillDaysRange.contains(backfillDays) {
            problems.append(FieldProblem(field: "backfillDays",
                                         problem: "must be an integer from \(Self.backfillDaysRange.lowerBound) to \(Self.backfillDaysRange.upperBound)"))
        }
        if !Self.clockSkewMinutesRange.contains(clockSkewMinutes) {
            problems.append(FieldProblem(field: "clockSkewMinutes",
                                         problem: "must be an integer from \(Self.clockSkewMinutesRange.lowerBound) to \(Self.clockSkewMinutesRange.upperBound)"))
        }
        return problems
    }
}
