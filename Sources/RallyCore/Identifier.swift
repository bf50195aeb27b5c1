/// Ids chosen by callers (program, member, event, badge, campaign ids): 1–128 characters of `[A-Za-z0-9._:@-]`.
public enum Identifier {
    public static let maximumLength = 128

    /// The problem with `value` as an id at `field`, if any, as a list to append to a request's problems.
    public static func problems(_ value: String, field: String) -> [FieldProblem] {
        isValid(value) ? [] : [FieldProblem(field: field, problem: "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -")]
    }

    /// Whether `value` is a well-formed caller-chosen id.
    public static func isValid(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy(isAllowed)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
