/// What scoring a member's events needs of their history, to be loaded before deciding: their activity over a span of
/// local days (what caps, period badges and streaks read), the content their once-per-content actions claimed, and —
/// where the program has badges — their lifetime figures per action and the badges they hold.
public struct HistoryNeed: Sendable, Equatable {
    /// Local days counted from 1970-01-01; nil when no day is read.
    public var days: Range<Int>?
    public var contents: Set<ContentKey> = []
    public var badges = false

    public init() {}

    /// Whether anything must be loaded (the member's row is then locked: their state is read and written by one writer).
    public var isEmpty: Bool { days == nil && contents.isEmpty && !badges }

    /// Adds what scoring `event` under `ruleset` and then awarding `badges` reads.
    public mutating func add(_ event: Event, ruleset: Ruleset, badges: [Badge], calendar: PeriodCalendar) {
        let day = calendar.localDate(of: event.occurredAt)
        if let rule = ruleset.actions[event.action] {
            if !ruleset.caps.filter({ $0.covers(event.action) }).isEmpty, let week = PeriodCalendar.days(of: .week, containing: day) { cover(week) }
            if rule.oncePerContent, let content = event.contentId { contents.insert(ContentKey(action: event.action, contentId: content)) }
        }
        for badge in badges where badge.counts(event.action) {
            self.badges = true
            if let span = badge.daysRead(on: day) { cover(span) }
        }
    }

    private mutating func cover(_ span: Range<Int>) {
        days = days.map { min($0.lowerBound, span.lowerBound)..<max($0.upperBound, span.upperBound) } ?? span
    }
}
