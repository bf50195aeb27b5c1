import Foundation
@testable import RallyLedger
import Testing

/// Tags read back from PostgreSQL's jsonb text for a simulation, without JSONDecoder when they need no unescaping.
@Suite struct SimulationTagsTests {
    @Test(arguments: [
        (#"["recruitment"]"#, ["recruitment"]),
        (#"["a", "b c", "été"]"#, ["a", "b c", "été"]),
        (#"["say \"hi\"", "x"]"#, ["say \"hi\"", "x"]),
        (#"["a\\b"]"#, ["a\\b"]),
    ])
    func tagsAreReadAsWritten(text: String, tags: [String]) throws {
        #expect(try ProgramStore.tags(text, decoder: JSONDecoder()) == tags)
    }
}
