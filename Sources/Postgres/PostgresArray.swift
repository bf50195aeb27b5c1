/// Builds PostgreSQL array literals to pass as one text parameter.
public enum PostgresArray {
    /// Text literal of a PostgreSQL array for a parameter, e.g. ["a", nil, "b\"c"] → {"a",NULL,"b\"c"}; cast in SQL ($1::text[], $2::bigint[] …).
    public static func literal(_ values: some Sequence<String?>) -> String {
        // Built as UTF-8 bytes: group commits pass columns of thousands of values, and byte appends are several times faster than String appends.
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(values.underestimatedCount * 16 + 2)
        var first = true
        for value in values {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            guard var value else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            value.withUTF8 { utf8 in
                for byte in utf8 {
                    if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                    bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Literal of non-optional values (convenience for `literal(_:)`).
    public static func literal(_ values: some Sequence<String>) -> String {
        literal(values.lazy.map(Optional.some))
    }
}
