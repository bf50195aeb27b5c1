import Foundation
import Postgres
import RallyCore

/// How a member appears on boards; stored in Redis beside the sorted sets. Hidden members have none.
struct Listing: Codable, Sendable, Equatable {
    var displayName: String?
    var team: String?
    var anonymous: Bool

    /// As the names hash holds it: `a` (anonymous) or `p`, the display name and the team, joined by U+001F, which
    /// caller text never holds (`CallerText`); an absent name is empty (a name is never empty). Read on every page, so
    /// not JSON.
    var stored: String {
        "\(anonymous ? "a" : "p")\u{1F}\(displayName ?? "")\u{1F}\(team ?? "")"
    }

    init(displayName: String?, team: String?, anonymous: Bool) {
        self.displayName = displayName
        self.team = team
        self.anonymous = anonymous
    }

    /// From a row of `members` (`display_name`, `team`, `visibility`).
    init(_ row: PostgresRow) throws {
        self.init(displayName: row.optionalString("display_name"), team: row.optionalString("team"),
                  anonymous: try row.string("visibility") == Visibility.anonymous.rawValue)
    }

    /// From `stored`, or from the JSON earlier versions stored.
    init?(stored: String) {
        if stored.hasPrefix("{") {
            guard let decoded = try? JSONDecoder().decode(Listing.self, from: Data(stored.utf8)) else { return nil }
            self = decoded
            return
        }
        let fields = stored.split(separator: "\u{1F}", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0] == "a" || fields[0] == "p" else { return nil }
        self.init(displayName: fields[1].isEmpty ? nil : String(fields[1]), team: fields[2].isEmpty ? nil : String(fields[2]),
                  anonymous: fields[0] == "a")
    }
}
