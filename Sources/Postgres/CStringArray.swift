#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// C copies of strings that live as long as this value, for libpq's `const char *const *` arguments.
final class CStringArray {
    /// One pointer per string (nil for nil), plus a trailing nil when terminated.
    private(set) var pointers: [UnsafePointer<CChar>?] = []

    /// Copies `strings`; throws if one contains a NUL byte (which C strings cannot carry).
    init(_ strings: [String?], statement: String?, terminated: Bool = false) throws {
        pointers.reserveCapacity(strings.count + 1)
        for (index, string) in strings.enumerated() {
            guard let string else {
                pointers.append(nil)
                continue
            }
            guard !string.utf8.contains(0) else {
                throw PostgresError(kind: .invalidParameter, message: "parameter $\(index + 1) contains a NUL byte", statement: statement)
            }
            guard let copy = strdup(string) else {
                throw PostgresError(kind: .query, message: "out of memory copying parameter $\(index + 1)", statement: statement)
            }
            pointers.append(UnsafePointer(copy))
        }
        if terminated { pointers.append(nil) }
    }

    deinit {
        for pointer in pointers {
            free(UnsafeMutablePointer(mutating: pointer))
        }
    }
}
