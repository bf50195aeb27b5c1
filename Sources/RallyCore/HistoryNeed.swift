/// What scoring a member's events needs of their history, to be loaded before deciding: their activity over a span of
/// local days (what caps, period badges and streaks read), the content their once-per-content actions claimed, and —
/// where the program has badges — the badges they hold and the lifetime figures of the actions counted ever.
public struct HistoryNeed: Sendable, Equatable {
    /// Local days counted from 1970-01-01; nil when no day is read.
    public var days: Range<Int>?
    public var contents: Set<ContentKey> = []
    /// Whether badges count one of the events: the awards held are then read.
    public var badges = false
    /// The actions whose lifetime figures a badge reads (`actionCount` over `all`).
    public var lifetimeActions: Set<String> = []

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
            if case let .actionCount(action, .all) = badge.criteria { lifetimeActions.insert(action) }
        }
    }

    private mutating func cover(_ span: Range<Int>) {
        days = days.map { min($0.lowerBound, span.lowerBound)..<max($0.upperBound, span.upperBound) } ?? span
    }
}
