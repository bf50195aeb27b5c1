/// The one rule for free text that callers send (display names, teams, regions, labels, program names, tags,
/// content ids): what passes it is stored and returned exactly as sent.
///
/// Accepted: 1 to `maximumLength` Unicode scalars, none of them a control character (U+0000–U+001F,
/// U+007F–U+009F: PostgreSQL cannot store NUL, and none of them belongs in a name or a tag) nor U+FFFD, the
/// character a decoder puts in place of invalid UTF-8 or of an unpaired surrogate escape (text holding it could
/// not come back as it was sent). Everything else is accepted, including emoji and other 4-byte UTF-8.
public enum CallerText {
    /// What is wrong with `value` as caller text of at most `maximumLength` scalars, or nil when it is acceptable.
    public static func problem(_ value: String, maximumLength: Int) -> String? {
        var count = 0
        for scalar in value.unicodeScalars {
            count += 1
            if isControl(scalar) { return "must not contain control characters (U+0000-U+001F, U+007F-U+009F)" }
            if scalar == replacementCharacter { return "must not contain U+FFFD (the mark of invalid UTF-8 or an unpaired surrogate)" }
        }
        if count == 0 { return "must not be empty" }
        if count > maximumLength { return "must be at most \(maximumLength) characters" }
        return nil
    }

    /// The problem with `value` at `field`, if any, as a list to append to a request's problems.
    public static func problems(_ value: String?, field: String, maximumLength: Int) -> [FieldProblem] {
        guard let value, let problem = problem(value, maximumLength: maximumLength) else { return [] }
        return [FieldProblem(field: field, problem: problem)]
    }

    static let replacementCharacter: Unicode.Scalar = "\u{FFFD}"

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
