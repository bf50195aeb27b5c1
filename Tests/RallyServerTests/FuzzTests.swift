import Foundation
import HTTPTypes
import HummingbirdTesting
import RallyTestSupport
import Testing

/// Random and mutated JSON into the event, batch, member and ruleset decoders: every answer is a success or the
/// contract's error shape (never a 500), and the stored data holds together afterwards. Deterministic: a failure names
/// its seed and case.
@Suite("Hostile input: fuzzed decoders")
struct FuzzTests {
    typealias Seeded = SeededRandom

    /// Values that stress decoders and the text rule, spliced in place of a value of the body.
    static let hostileValues = [
        "null", "true", "-1", "0", "1e400", "-1e400", "99999999999999999999999", "3.14", "\"\"", "\"\\u0000\"", "\"\\ud800\"", "[]", "{}",
        "\"" + String(repeating: "x", count: 5000) + "\"", String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
        "\"2026-13-45T99:99:99Z\"", "\"Robert'); DROP TABLE events;--\"", "\"🚀\"", "{\"$ne\": 1}",
    ]

    /// One mutation of `body`: a byte changed, inserted or removed, a span cut or repeated, the text cut short, or a
    /// value replaced by a hostile one.
    static func mutate(_ body: [UInt8], using random: inout Seeded) -> [UInt8] {
        guard !body.isEmpty else { return body }
        var bytes = body
        let at = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<7, using: &random) {
        case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
        case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
        case 2: bytes.remove(at: at)
        case 3: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...20, using: &random)))
        case 4: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + Int.random(in: 1...20, using: &random))], at: at)
        case 5: bytes = Array(bytes.prefix(at))
        default:
            // Replace the value after a colon (or an array element) with a hostile one.
            let text = String(decoding: bytes, as: UTF8.self)
            let separators = text.indices.filter { text[$0] == ":" || text[$0] == "[" }
            guard let start = separators.randomElement(using: &random) else { return bytes }
            let from = text.index(after: start)
            let end = text[from...].firstIndex { $0 == "," || $0 == "}" || $0 == "]" } ?? text.endIndex
            let value = hostileValues.randomElement(using: &random) ?? "null"
            bytes = Array((text[..<from] + value + text[end...]).utf8)
        }
        return bytes
    }

    @Test func mutatedBodiesAlwaysGetAnAnswerOrTheErrorShape() async throws {
        try await TestApp.run { app in
            let program = try await app.createProgram()
            try await program.addMembers(["ana", "ben"])
            let now = Timestamp.rfc3339(Timestamp.now())
            let targets: [(HTTPRequest.Method, String, String)] = [
                (.post, "\(program.path)/events", #"{"id": "f1", "memberId": "ana", "action": "share", "network": "linkedin", "contentId": "c1", "occurredAt": "\#(now)", "tags": ["a", "b"]}"#),
                (.post, "\(program.path)/events/batch", #"{"events": [{"id": "f2", "memberId": "ana", "action": "post"}, {"id": "f3", "memberId": "ben", "action": "like", "contentId": "c2"}]}"#),
                (.put, "\(program.path)/members/cid", #"{"displayName": "Cid", "team": "Sales", "region": "Lyon", "enrolled": true, "audience": {"linkedin": 300, "x": 12}, "visibility": "public"}"#),
                (.post, "\(program.path)/members/batch", #"{"members": [{"memberId": "dan", "displayName": "Dan", "team": "Ops"}, {"memberId": "eve", "enrolled": false}]}"#),
                (.put, "\(program.path)/rules", #"{"actions": {"post": {"points": 25}, "share": {"points": 10, "networks": {"linkedin": 1.5}}, "like": {"points": 1, "oncePerContent": true}}, "caps": [{"action": "like", "per": "day", "maxCount": 20}, {"per": "week", "maxPoints": 500}], "levels": [{"name": "Rookie", "minPoints": 0}, {"name": "Pro", "minPoints": 100}]}"#),
            ]
            let casesPerTarget = 120
            for (index, (method, path, body)) in targets.enumerated() {
                var random = Seeded(state: UInt64(index + 1) * 7919)
                for number in 0..<casesPerTarget {
                    var bytes = Array(body.utf8)
                    for _ in 0..<Int.random(in: 1...3, using: &random) { bytes = Self.mutate(bytes, using: &random) }
                    let key = path.hasSuffix("/rules") ? program.adminKey : program.ingestKey
                    let response = try await app.send(method, path, key: key, bytes: bytes)
                    let label = "\(method) \(path) case \(number) (seed \(index + 1)): \(response.status) for \(String(decoding: bytes.prefix(300), as: UTF8.self))"
                    #expect([200, 201, 400, 404, 409, 413, 422].contains(response.status.code), "\(label)")
                    if response.status.code >= 400 {
                        let error = try? decode(ErrorDTO.self, from: response)
                        #expect(error != nil && error?.error.requestId.isEmpty == false, "\(label)")
                    }
                }
            }
            #expect(try await program.app.database.inconsistencies(program) == [])
        }
    }
}
