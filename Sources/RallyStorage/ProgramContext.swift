import Foundation
import RallyCore

/// A program as the write and read paths need it: its time zone's calendar, the rules it scores with and its settings.
public struct ProgramContext: Sendable {
    public var id: String
    public var name: String
    public var createdAt: Date
    public var calendar: PeriodCalendar
    /// Every version of the program's rules (as this instance last read them: the writer checks for newer ones).
    public var rules: RulesetHistory
    public var settings: ProgramSettings
    /// The badges HR defined (deleted ones aside), by id, and the number of the change that left them so.
    public var badges: [Badge]
    public var badgesVersion: Int

    public var timeZone: TimeZone { calendar.timeZone }

    package init(id: String, name: String, createdAt: Date, calendar: PeriodCalendar, rules: RulesetHistory, settings: ProgramSettings,
                 badges: [Badge], badgesVersion: Int) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.calendar = calendar
        self.rules = rules
        self.settings = settings
        self.badges = badges
        self.badgesVersion = badgesVersion
    }

    /// The name of one of the program's badges (its id when it was deleted since).
    package func badgeName(_ id: String) -> String {
        badges.first { $0.id == id }?.name ?? id
    }
}
