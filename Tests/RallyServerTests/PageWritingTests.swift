import Testing
@testable import RallyServer

/// The pieces the leaderboard page is written with, without a server: texts filled in, a page written once with holes
/// and filled per viewer, a live stream that keeps only what is newest.
@Suite struct PageWritingTests {
    @Test func fillReplacesEachMarkerInTurn() {
        #expect(PageLanguage.fill("%@ points behind #%@", "1,250", "7") == "1,250 points behind #7")
        #expect(PageLanguage.fill("%@ points derrière la place n° %@", "25", "10") == "25 points derrière la place n° 10")
        #expect(PageLanguage.fill("100% of %@, %", "you") == "100% of you, %", "a lone % stays")
        #expect(PageLanguage.fill("%@ and %@", "one") == "one and ", "a missing value writes nothing")
    }

    @Test func queryValuesArePercentEncodedButForUnreservedCharacters() {
        #expect(PageController.encodeValue("Sales & Ops/é~x") == "Sales%20%26%20Ops%2F%C3%A9~x")
        #expect(PageController.encodeValue("eyJwIjoiYSJ9.Ab-_09") == "eyJwIjoiYSJ9.Ab-_09")
        #expect(PageController.encode([("token", "a.b"), ("team", "R&D")]) == "token=a.b&team=R%26D")
    }

    @Test func aWrittenPageIsFilledForEachViewer() {
        var html = HTMLWriter()
        let standIn = RenderedPage.tokenStandIn
        html.raw("<a href=\"/p/x?token=\(standIn)&amp;lang=en\">")
        html.hole(.myPage)
        html.raw("</a><tr class=\"place-1")
        html.hole(.mark(memberId: "m1"))
        html.raw("><input value=\"\(standIn)\">")
        html.hole(.viewer)
        let page = RenderedPage(html)
        #expect(page.holes == [.token, .myPage, .mark(memberId: "m1"), .token, .viewer])
        #expect(page.chunks.count == page.holes.count + 1)
        func fill(token: String, viewer: String) -> String {
            String(decoding: page.filled(capacity: 64) { hole, html in
                switch hole {
                case .token: html.raw(token)
                case .myPage: html.raw("L")
                case let .mark(memberId): html.raw(memberId == viewer ? PageController.viewerMark : PageController.rowClassEnd)
                case .viewerId: html.text(viewer)
                case .viewer: html.raw("V")
                }
            }, as: UTF8.self)
        }
        #expect(fill(token: "AAA", viewer: "m1")
            == #"<a href="/p/x?token=AAA&amp;lang=en">L</a><tr class="place-1 viewer" aria-current="true"><input value="AAA">V"#)
        #expect(fill(token: "BBB", viewer: "m2") == #"<a href="/p/x?token=BBB&amp;lang=en">L</a><tr class="place-1"><input value="BBB">V"#)
    }

    @Test func aLiveStreamKeepsTheNewestEventAndNeverLetsAChangeHideABoard() {
        let stream = LiveStream()
        stream.deliver(.init(name: "change", data: "1"))
        stream.deliver(.init(name: "change", data: "2"))
        #expect(stream.take() == .init(name: "change", data: "2"))
        #expect(stream.take() == nil)
        stream.deliver(.init(name: "board", data: "top"))
        stream.deliver(.init(name: "change", data: "3"))
        #expect(stream.take() == .init(name: "board", data: "top"), "a change below does not replace the new top ten")
        stream.deliver(.init(name: "change", data: "4"))
        stream.deliver(.init(name: "board", data: "top 2"))
        #expect(stream.take() == .init(name: "board", data: "top 2"))
    }
}
