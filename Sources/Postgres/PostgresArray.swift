/// Builds PostgreSQL array literals to pass as one text parameter.
public enum PostgresArray {
    /// Text literal of a PostgreSQL array for a parameter, e.g. ["a", nil, "b\"c"] → {"a",NULL,"b\"c"}; cast in SQL ($1::text[], $2::bigint[] …).
    public static func literal(_ values: [String?]) -> String {
        var text = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            guard let value else {
                text += "NULL"
                continue
            }
            text += "\""
            for character in value.unicodeScalars {
                if character == "\\" || character == "\"" { text += "\\" }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        return text + "}"
    }

    /// Literal of non-optional values (convenience for `literal(_:)`).
    public static func literal(_ values: [String]) -> String {
        literal(values.map(Optional.some))
    }
}
