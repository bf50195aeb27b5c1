import Postgres
import RallyCore

/// What scoring and the projection need to know of a member.
package struct MemberSnapshot {
    package var enrolled: Bool
    package var visibility: Visibility
    var team: String?
    var region: String?
    /// The points of all time, before the group (0 where a query does not read them).
    package var lifetimePoints: Int64 = 0

    /// The scopes whose boards the member stands on: none unless ranked.
    package var scopes: [BoardScope] { isRanked ? BoardScope.scopes(team: team, region: region) : [] }

    package var isRanked: Bool { MemberProfile.isRanked(enrolled: enrolled, visibility: visibility) }

    /// `MemberProfile.isRanked` in SQL, for the `members` table under `alias`.
    package static func rankedCondition(_ alias: String) -> String {
        "\(alias).enrolled AND \(alias).visibility <> '\(Visibility.hidden.rawValue)'"
    }
}

extension MemberSnapshot {
    /// From a row of `members` (with `enrolled`, `visibility`, `team`, `region`).
    package init(_ row: PostgresRow) throws {
        let visibility = try row.string("visibility")
        guard let known = Visibility(rawValue: visibility) else {
            throw PostgresError(kind: .decoding, message: "unknown visibility '\(visibility)' in members")
        }
        self.init(enrolled: try row.bool("enrolled"), visibility: known, team: row.optionalString("team"), region: row.optionalString("region"),
                  lifetimePoints: row.optionalString("lifetime_points").flatMap(Int64.init) ?? 0)
    }
}

