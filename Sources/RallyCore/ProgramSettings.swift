import Foundation

/// A program's settings that the domain applies: how far back and ahead of Rally's clock an event's `occurredAt` may lie,
/// which actions make a member active, what reach is worth, which sites may frame its pages and
/// which integrity rules watch its events.
///
/// The window keeps what one key can create bounded (every period an event falls in gets a board) while letting
/// platforms import last year's history.
public struct ProgramSettings: Sendable, Equatable {
    /// How many days before now `occurredAt` may lie (the backfill window).
    public var backfillDays: Int
    /// How many minutes after now `occurredAt` may lie (clocks of other platforms run a little ahead).
    public var clockSkewMinutes: Int
    /// The actions that make a member active (participation), sorted.
    public var qualifyingActions: [String]
    /// The earned-media model, nil while none is set.
    public var mediaValue: MediaValue?
    /// The sites that may frame the program's embed pages (`https://intranet.example.com`), sorted; none by default.
    public var embedOrigins: [String]
    /// The integrity rules that flag (and may hold) point farming; none by default.
    public var integrity: IntegrityRules

    public init(backfillDays: Int = Self.defaults.backfillDays, clockSkewMinutes: Int = Self.defaults.clockSkewMinutes,
                qualifyingActions: [String] = Self.defaultQualifyingActions, mediaValue: MediaValue? = nil, embedOrigins: [String] = [],
                integrity: IntegrityRules = IntegrityRules()) {
        self.integrity = integrity
        self.backfillDays = backfillDays
        self.clockSkewMinutes = clockSkewMinutes
        self.qualifyingActions = qualifyingActions
        self.mediaValue = mediaValue
        self.embedOrigins = embedOrigins
    }

    public static let defaults = ProgramSettings(backfillDays: 366, clockSkewMinutes: 60)
    public static let defaultQualifyingActions = ["comment", "like", "post", "share"]
    public static let backfillDaysRange = 1...3660
    public static let clockSkewMinutesRange = 0...1440
    public static let maximumQualifyingActions = 50

    /// The problems of a list of qualifying actions: 1 to 50 distinct action names.
    public static func qualifyingActionProblems(_ actions: [String], field: String) -> [FieldProblem] {
        if actions.isEmpty || actions.count > maximumQualifyingActions {
            return [FieldProblem(field: field, problem: "must list 1 to \(maximumQualifyingActions) actions")]
        }
        var problems: [FieldProblem] = []
        for (index, action) in actions.enumerated() where !Identifier.isValid(action) || action.utf8.count > 64 {
            problems.append(FieldProblem(field: "\(field)[\(index)]", problem: "must be an action name: 1-64 characters of A-Z a-z 0-9 . _ : @ -"))
        }
        if problems.isEmpty, Set(actions).count != actions.count {
            problems.append(FieldProblem(field: field, problem: "must not list an action twice"))
        }
        return problems
    }

    public static let maximumEmbedOrigins = 20

    /// The problems of a list of embed origins: at most 20 distinct origins, each a scheme (`https`, or `http`), a host
    /// and an optional port, nothing else (no path, no wildcard: each is written as is into `frame-ancestors`).
    public static func embedOriginProblems(_ origins: [String], field: String) -> [FieldProblem] {
        if origins.count > maximumEmbedOrigins {
            return [FieldProblem(field: field, problem: "must list at most \(maximumEmbedOrigins) origins")]
        }
        var problems: [FieldProblem] = []
        for (index, origin) in origins.enumerated() where !isOrigin(origin) {
            problems.append(FieldProblem(field: "\(field)[\(index)]",
                                         problem: "must be an origin such as https://intranet.example.com: a scheme, a host and an optional port, in lower case"))
        }
        if problems.isEmpty, Set(origins).count != origins.count {
            problems.append(FieldProblem(field: field, problem: "must not list an origin twice"))
        }
        return problems
    }

    /// `https://host[:port]` or `http://host[:port]`: a host of letters, digits, dots and hyphens (or an IPv6 address in
    /// brackets), lower case, at most 200 characters.
    static func isOrigin(_ text: String) -> Bool {
        guard text.utf8.count <= 200 else { return false }
        let rest: Substring
        if text.hasPrefix("https://") { rest = text.dropFirst(8) } else if text.hasPrefix("http://") { rest = text.dropFirst(7) } else { return false }
        var host = rest
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            let port = rest[rest.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number), port.allSatisfy(\.isASCII), port.first != "0" else { return false }
            host = rest[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            return host.dropFirst().dropLast().allSatisfy { $0.isHexDigit && !$0.isUppercase || $0 == ":" || $0 == "." } && host.count > 2
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !host.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
        }
    }

    /// The earliest `occurredAt` accepted at `now`.
    public func earliestOccurrence(now: Date) -> Date { now.addingTimeInterval(-Double(backfillDays) * 86_400) }

    /// The latest `occurredAt` accepted at `now`.
    public func latestOccurrence(now: Date) -> Date { now.addingTimeInterval(Double(clockSkewMinutes) * 60) }

    /// The instant a caller says something happened at (RFC 3339 with an offset), with what is wrong with it: not such
    /// a timestamp, too far ahead of `now` or too far back.
    public func instant(_ text: String, now: Date, field: String) -> (Date?, [FieldProblem]) {
        guard let instant = RFC3339.parse(text) else {
            return (nil, [FieldProblem(field: field, problem: "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-20T09:14:00+01:00")])
        }
        return (instant, windowProblems(instant, now: now, field: field))
    }

    /// What is wrong with an instant a caller says something happened at: too far ahead of `now` or too far back.
    func windowProblems(_ instant: Date, now: Date, field: String) -> [FieldProblem] {
        if instant > latestOccurrence(now: now) {
            return [FieldProblem(field: field, problem: "is more than \(clockSkewMinutes) minutes ahead of Rally's clock")]
        }
        if instant < earliestOccurrence(now: now) {
            return [FieldProblem(field: field, problem: "is older than this program's backfill window of \(backfillDays) days")]
        }
        return []
    }

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
