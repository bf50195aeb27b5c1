import Foundation
import RallyCore

/// A member's profile as sent (`PUT …/members/{id}` or one item of `POST …/members/batch`): a field of the wrong type is
/// a problem of that member only, so one bad item never rejects a batch.
struct MemberInput: Decodable {
    /// The id in the body: required in a batch, optional (and then equal to the path's) in a `PUT`.
    var memberId: String?
    var profile = MemberProfile(displayName: nil, team: nil, region: nil, enrolled: true, audience: [:], visibility: .public)
    var problems: [FieldProblem] = []

    enum CodingKeys: String, CodingKey {
        case memberId, displayName, team, region, enrolled, audience, visibility
    }

    init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: CodingKeys.self) else {
            problems.append(FieldProblem(field: "", problem: "a member must be a JSON object"))
            return
        }
        memberId = container.field(.memberId, String.self, problems: &problems)
        let displayName = container.field(.displayName, String.self, problems: &problems)
        let team = container.field(.team, String.self, problems: &problems)
        let region = container.field(.region, String.self, problems: &problems)
        let enrolled = container.field(.enrolled, Bool.self, problems: &problems)
        let audience = container.field(.audience, [String: Int].self, problems: &problems)
        let visibilityText = container.field(.visibility, String.self, problems: &problems)
        let visibility = visibilityText.map { Visibility(rawValue: $0) } ?? .public
        if visibility == nil {
            problems.append(FieldProblem(field: "visibility", problem: "must be one of public, anonymous, hidden"))
        }
        profile = MemberProfile(displayName: displayName, team: team, region: region, enrolled: enrolled ?? true,
                                audience: audience ?? [:], visibility: visibility ?? .public)
        problems += profile.problems
    }
}
