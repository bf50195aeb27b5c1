import RallyCore

/// The few JSON documents the write path stores (tags, breakdowns), written directly:
/// JSONEncoder costs more than the rest of an event's preparation together.
package enum JSONText {
    package static func strings(_ values: [String]) -> String {
        var text = "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            appendString(value, to: &text)
        }
        return text + "]"
    }

    package static func breakdown(_ lines: [AwardLine]) -> String {
        var text = "["
        for (index, line) in lines.enumerated() {
            if index > 0 { text += "," }
            text += "{\"rule\":"
            appendString(line.rule, to: &text)
            text += ",\"points\":\(line.points)"
            if let factor = line.factor { text += ",\"factor\":\(factor)" }
            text += "}"
        }
        return text + "]"
    }

    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
