import Foundation
import Hummingbird
import RallyCore
import RallyLedger
import RallyStorage

/// `/v1/programs/{programId}/viewer-tokens`: what a platform mints, server to server, for a person to open the pages.
struct ViewerTokenController {
    let tokens: ViewerTokens

    struct IssueToken: Decodable {
        var memberId: String?
        var ttlSeconds: Int?
        var lang: String?
        var problems: [FieldProblem] = []

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: NamedKey.self)
            func field<T: Decodable>(_ name: String, _ type: T.Type) -> T? { container.field(NamedKey(stringValue: name), type, problems: &problems) }
            memberId = field("memberId", String.self)
            ttlSeconds = field("ttlSeconds", Int.self)
            lang = field("lang", String.self)
            problems += memberId.map { Identifier.problems($0, field: "memberId") } ?? []
            if let ttlSeconds, !ViewerTokens.lifetimes.contains(ttlSeconds) {
                problems.append(FieldProblem(field: "ttlSeconds",
                                             problem: "must be a number of seconds from \(ViewerTokens.lifetimes.lowerBound) to \(ViewerTokens.lifetimes.upperBound)"))
            }
            if let lang, PageLanguage(rawValue: lang) == nil {
                problems.append(FieldProblem(field: "lang", problem: "must be one of \(PageLanguage.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            problems += container.unknownNames(known: ["memberId", "ttlSeconds", "lang"], of: "a viewer token")
        }
    }

    struct IssuedBody: JSONWritable {
        var token: String
        var expiresAt: String
        var url: String

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("token", token)
                json.field("expiresAt", expiresAt)
                json.field("url", url)
            }
        }
    }

    var routes: [Route] {
        [
            Route(.post, "", .program([.read]), issue),
            Route(.post, "revoke", .program([.admin]), revoke),
        ]
    }

    @Sendable func issue(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let body = try await JSONBody.decode(IssueToken.self, from: request, context: context)
        guard body.problems.isEmpty else { throw RallyError.validation(body.problems) }
        let (text, token) = try await tokens.issue(program: program.id, memberId: body.memberId, seconds: body.ttlSeconds ?? 3600, lang: body.lang)
        context.logger.info("viewer token issued", metadata: ["program": "\(program.id)", "member": "\(body.memberId ?? "-")"])
        return JSONResponse.make(IssuedBody(token: text, expiresAt: RFC3339.format(token.expiresAt, in: program.timeZone),
                                            url: "/p/\(program.id)?token=\(text)"), status: .created)
    }

    @Sendable func revoke(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        try await tokens.revokeAll(program: program.id, actor: context.actor)
        context.logger.info("viewer tokens revoked", metadata: ["program": "\(program.id)"])
        return Response(status: .noContent)
    }
}
