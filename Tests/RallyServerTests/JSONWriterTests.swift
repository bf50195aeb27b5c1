import Foundation
import Testing
@testable import RallyServer

/// The hand-written JSON of every answer must parse back to exactly what was written.
@Suite struct JSONWriterTests {
    struct Sample: JSONWritable {
        var text: String?
        var number: Int64?
        var flag: Bool
        var absent: String?

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("text", text)
                json.field("number", number)
                json.field("flag", flag)
                json.optionalField("absent", absent)
                json.key("list")
                json.array([1, 2, 3]) { json, value in json.object { $0.field("n", value) } }
                json.key("empty")
                json.emptyArray()
            }
        }
    }

    static let awkward = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} unicode é 🚀 slash /"

    @Test func stringsWithEscapesParseBackExactly() throws {
        let bytes = JSONWriter.encode(Sample(text: Self.awkward, number: -42, flag: true, absent: nil))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["text"] as? String == Self.awkward)
        #expect(object["number"] as? Int == -42)
        #expect(object["flag"] as? Bool == true)
        #expect(object["absent"] == nil)
        #expect(object.count == 5)
    }

    @Test func nilFieldsAreNullAndOptionalFieldsAreLeftOut() {
        let text = String(decoding: JSONWriter.encode(Sample(text: nil, number: nil, flag: false, absent: nil)), as: UTF8.self)
        #expect(text == #"{"text":null,"number":null,"flag":false,"list":[{"n":1},{"n":2},{"n":3}],"empty":[]}"#)
    }
}
