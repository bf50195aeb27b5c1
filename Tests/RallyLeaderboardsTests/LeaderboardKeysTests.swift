@testable import RallyLeaderboards
import Testing

/// Every key of one program carries the program as a Redis Cluster hash tag, so a cluster keeps it on one shard.
@Suite struct LeaderboardKeysTests {
    let keys = LeaderboardKeys(namespace: "rally")

    @Test func programKeysShareTheProgramsHashTag() {
        #expect(keys.key(for: Board(program: "acme", period: "2026-W47")) == "rally/lb/{acme}/m/2026-W47")
        #expect(keys.key(for: Board(program: "acme", scope: .team("Sales & Co"), period: "2026-W47")) == "rally/lb/{acme}/t:Sales & Co/2026-W47")
        #expect(keys.key(for: Board(program: "acme", scope: .region("Lyon"), period: "2026-Q4")) == "rally/lb/{acme}/r:Lyon/2026-Q4")
        #expect(keys.sequence(program: "acme", period: "all") == "rally/seq/{acme}/all")
        #expect(keys.placements(program: "acme") == "rally/scopes/{acme}")
        #expect(keys.listings(program: "acme") == "rally/names/{acme}")
        #expect(keys.revisions(program: "acme") == "rally/rev/{acme}")
        #expect(keys.boardPrefix(program: "acme") + LeaderboardKeys.suffix(of: Board(program: "acme", scope: .team("x"), period: "2026-Q4"))
            == keys.key(for: Board(program: "acme", scope: .team("x"), period: "2026-Q4")))
        #expect(keys.ready == "rally/ready")
        #expect(keys.pattern == "rally/*")
    }

    /// Redis hashes only what stands between the first `{` and the next `}`: the program id, whatever a team is called.
    @Test func theHashTagIsTheProgramId() throws {
        for key in [keys.key(for: Board(program: "a.b:c@d-e", scope: .team("{x}"), period: "2026-11-20")), keys.listings(program: "a.b:c@d-e")] {
            let open = try #require(key.firstIndex(of: "{"))
            let close = try #require(key[open...].firstIndex(of: "}"))
            #expect(key[key.index(after: open)..<close] == "a.b:c@d-e")
        }
    }
}

/// What `SCAN` finds is read back into the board or counter it was built from, whatever the names hold.
@Suite struct ParsedKeyTests {
    @Test(arguments: [
        Board(program: "acme", period: "2026-W47"), Board(program: "acme", scope: .team("Sales/EU & {Co}"), period: "2026-11-20"),
        Board(program: "a.b:c@d-e", scope: .region("r:Lyon"), period: "2026-Q4"), Board(program: "acme", scope: .campaign("hiring"), period: "all"),
        Board(program: "acme", scope: .team("m"), period: "2026"),
    ])
    func aBoardKeyReadsBackAsItsBoard(_ board: Board) {
        for namespace in ["rally", "rally/rebuild", "store-test-1"] {
            let keys = LeaderboardKeys(namespace: namespace)
            #expect(keys.parse(keys.key(for: board)) == .board(board))
        }
    }

    @Test func otherKeysReadAsWhatTheyAre() {
        let keys = LeaderboardKeys(namespace: "rally")
        #expect(keys.parse(keys.sequence(program: "acme", period: "2026-W47")) == .sequence(program: "acme", period: "2026-W47"))
        #expect(keys.parse(keys.sequence(program: "acme", period: "2026-W47"))?.period == "2026-W47")
        for other in [keys.listings(program: "acme"), keys.revisions(program: "acme"), keys.placements(program: "acme"), keys.ready,
                      "rally/lb/acme/m/2026", "rally/lb/{acme}/x:y/2026", "rally/lb/{acme}", "elsewhere/lb/{acme}/m/2026",
                      LeaderboardKeys(namespace: "rally/rebuild").key(for: Board(program: "acme", period: "all"))] {
            #expect(keys.parse(other) == nil, "\(other)")
        }
    }
}

/// How boards list a member, as the names hash holds it.
@Suite struct ListingTests {
    @Test(arguments: [Listing(displayName: "Ana", team: "Sales & Co", anonymous: false), Listing(displayName: nil, team: nil, anonymous: true),
                      Listing(displayName: "Zoë 🚀 \"quoted\" | pipe", team: nil, anonymous: false), Listing(displayName: nil, team: "R&D", anonymous: true)])
    func aListingReadsBackAsStored(_ listing: Listing) {
        #expect(Listing(stored: listing.stored) == listing)
    }

    @Test func listingsEarlierVersionsStoredAsJSONStillRead() {
        #expect(Listing(stored: #"{"displayName":"Ana","team":null,"anonymous":true}"#) == Listing(displayName: "Ana", team: nil, anonymous: true))
        #expect(Listing(stored: "x\u{1F}a\u{1F}b") == nil)
        #expect(Listing(stored: "p\u{1F}only two") == nil)
    }
}
