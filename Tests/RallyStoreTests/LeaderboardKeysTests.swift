import Testing
@testable import RallyStore

/// Every key of one program carries the program as a Redis Cluster hash tag, so a cluster keeps it on one shard.
@Suite struct LeaderboardKeysTests {
    let keys = LeaderboardKeys(namespace: "rally")

    @Test func programKeysShareTheProgramsHashTag() {
        #expect(keys.board(program: "acme", period: "2026-W47") == "rally/lb/{acme}/2026-W47")
        #expect(keys.sequence(program: "acme", period: "all") == "rally/seq/{acme}/all")
        #expect(keys.listings(program: "acme") == "rally/names/{acme}")
        #expect(keys.revisions(program: "acme") == "rally/rev/{acme}")
        #expect(keys.boardPrefix(program: "acme") + "2026-Q4" == keys.board(program: "acme", period: "2026-Q4"))
        #expect(keys.ready == "rally/ready")
        #expect(keys.pattern == "rally/*")
    }

    /// Redis hashes only what stands between the first `{` and the next `}`: the program id.
    @Test func theHashTagIsTheProgramId() throws {
        for key in [keys.board(program: "a.b:c@d-e", period: "2026-11-20"), keys.listings(program: "a.b:c@d-e")] {
            let open = try #require(key.firstIndex(of: "{"))
            let close = try #require(key[open...].firstIndex(of: "}"))
            #expect(key[key.index(after: open)..<close] == "a.b:c@d-e")
        }
    }
}
