import Foundation
import Synchronization

/// A page written once for every viewer of one board revision, with the places that differ from one viewer to the next
/// left open: filling them is all a request does (the leaderboard page at 1,000,000 members; BENCHMARKS.md, session J).
struct RenderedPage: Sendable {
    /// What differs between viewers.
    enum Hole: Sendable, Equatable {
        /// The viewer token, wherever a link or a form carries it on.
        case token
        /// The link to the viewer's own page, last in the navigation between pages.
        case myPage
        /// The end of a ranking row's `class` attribute: the viewer's own row is marked.
        case mark(memberId: String)
        /// The viewer's member id, in an attribute.
        case viewerId
        /// The viewer's own place, pinned under the ranking when it does not show them.
        case viewer
    }

    /// The text between the holes: one more than there are holes.
    var chunks: [[UInt8]]
    var holes: [Hole]

    /// The page with each hole written by `fill`.
    func filled(capacity: Int, _ fill: (Hole, inout HTMLWriter) -> Void) -> [UInt8] {
        var html = HTMLWriter(capacity: capacity)
        for (index, hole) in holes.enumerated() {
            html.raw(chunks[index])
            fill(hole, &html)
        }
        html.raw(chunks[holes.count])
        return html.bytes
    }

    /// What stands for the token while a page is written: letters only (every link and attribute keeps it as it is), drawn
    /// at random for each process, so that no member-provided text can be taken for it.
    static let tokenStandIn = "rallyviewertoken" + String((0..<24).map { _ in "abcdefghijklmnopqrstuvwxyz".randomElement()! })

    /// The page `html` wrote, its token stand-ins made holes beside the holes it marked.
    init(_ html: HTMLWriter) {
        let bytes = html.bytes, standIn = Array(Self.tokenStandIn.utf8)
        var holes = html.holes
        var start = 0
        while let found = Self.firstRange(of: standIn, in: bytes, from: start) {
            holes.append((found.lowerBound, found.upperBound, .token))
            start = found.upperBound
        }
        holes.sort { $0.start < $1.start }
        var chunks: [[UInt8]] = []
        var cursor = 0
        for hole in holes {
            chunks.append(Array(bytes[cursor..<hole.start]))
            cursor = hole.end
        }
        chunks.append(Array(bytes[cursor...]))
        self.chunks = chunks
        self.holes = holes.map(\.hole)
    }

    private static func firstRange(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Range<Int>? {
        guard let first = needle.first, bytes.count - start >= needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == first, bytes[index..<index + needle.count].elementsEqual(needle) { return index..<index + needle.count }
            index += 1
        }
        return nil
    }
}
