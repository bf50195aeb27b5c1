import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import RallyCore
import RallyLeaderboards
import RallyLedger
import RallyStorage
import ServiceLifecycle

/// The pages people open with a viewer token (`?token=`): the leaderboard (`/p/{programId}`) and the widget intranets
/// frame (`/embed/{programId}/leaderboard`). HTML rendered here, in English or French; a missing, expired, revoked or
/// foreign token is a 401 page, an unknown program a 404 page. They sit beside the JSON API, not in its route table.
struct PageController: Sendable {
    let programs: ProgramStore
    let leaderboards: Leaderboards
    let members: MemberStore
    let challenges: ChallengeStore
    let tokens: ViewerTokens
    let live: LiveBoards
    /// Ends each live stream after this many events (tests read a stream to its end); nil: never.
    let streamLimit: Int?
    let library: MustacheLibrary
    /// The leaderboard pages written so far, to be filled for each viewer.
    let rendered = RenderedByRevision<RenderedBoardKey, RenderedPage>(capacity: 1000)

    init(programs: ProgramStore, leaderboards: Leaderboards, members: MemberStore, challenges: ChallengeStore, tokens: ViewerTokens,
         live: LiveBoards, streamLimit: Int? = nil) throws {
        self.programs = programs
        self.leaderboards = leaderboards
        self.members = members
        self.challenges = challenges
        self.tokens = tokens
        self.live = live
        self.streamLimit = streamLimit
        library = try PageTemplates.library()
    }

    func mount(on router: Router<RallyRequestContext>) {
        router.get("p/:programId") { request, context in await self.respond(request, context, embed: false) }
        router.get("embed/:programId/leaderboard") { request, context in await self.respond(request, context, embed: true) }
        router.get("p/:programId/live") { request, context in await self.stream(request, context) }
        router.get("p/:programId/place") { request, context in
            await self.page(request, context) { viewer, token in
                Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "private, no-store"],
                         body: .init(byteBuffer: ByteBuffer(bytes: try await self.placeJSON(Query(request), viewer: viewer, token: token))))
            }
        }
        router.get("p/:programId/members/:memberId") { request, context in
            await self.page(request, context) { viewer, token in
                self.html(self.library.renderPlain(try await self.memberPage(request, context, viewer: viewer, token: token), withTemplate: "member"),
                          status: .ok, origins: viewer.program.settings.embedOrigins)
            }
        }
        router.get("p/:programId/rules") { request, context in
            await self.page(request, context) { viewer, token in
                self.html(self.library.renderPlain(self.rulesPage(viewer: viewer, token: token), withTemplate: "rules-page"), status: .ok,
                          origins: viewer.program.settings.embedOrigins)
            }
        }
        router.get("p/:programId/teams") { request, context in
            await self.page(request, context) { viewer, token in
                self.html(self.library.renderPlain(try await self.teamsPage(request, viewer: viewer, token: token), withTemplate: "teams"),
                          status: .ok, origins: viewer.program.settings.embedOrigins)
            }
        }
        router.get("assets/live.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: PageScript.live)))
        }
        router.get("assets/rally.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: PageTemplates.css + "\n" + ConsoleTemplates.css + "\n" + ConsoleAdminTemplates.css)))
        }
    }

    /// What a page needs from its request: the program, the viewer's token and the language.
    struct Viewer {
        var program: ProgramContext
        var token: ViewerToken
        var language: PageLanguage
        var text: PageText
    }

    /// Renders a page for the request's viewer, or the problem page that says why not (logged when it is Rally's fault).
    private func page(_ request: Request, _ context: RallyRequestContext, _ render: (Viewer, String) async throws -> Response) async -> Response {
        let query = Query(request)
        var language = PageLanguage.choose(query: query.value("lang"), token: nil, acceptLanguage: request.headers[.acceptLanguage])
        var origins: [String] = []
        do {
            let programId = try context.parameters.require("programId")
            guard Identifier.isValid(programId), let program = try await programs.context(programId) else {
                throw RallyError(.notFound, "no such program")
            }
            origins = program.settings.embedOrigins
            guard let text = query.value("token"), let token = try await tokens.verify(text, program: program.id) else {
                throw RallyError(.unauthorized, "no valid viewer token")
            }
            language = PageLanguage.choose(query: query.value("lang"), token: token.lang, acceptLanguage: request.headers[.acceptLanguage])
            return try await render(Viewer(program: program, token: token, language: language, text: .of(language)), text)
        } catch {
            let failure = error as? RallyError ?? RallyError(.internalError, "the page could not be made")
            if failure.code == .internalError || failure.code == .unavailable {
                context.logger.error("page failed", metadata: ["error": "\(error)"])
            }
            return problemPage(failure, language: language, origins: origins)
        }
    }

    private func respond(_ request: Request, _ context: RallyRequestContext, embed: Bool) async -> Response {
        await page(request, context) { viewer, token in
            html(try await boardPage(Query(request), viewer: viewer, path: request.uri.path, tokenText: token, embed: embed), status: .ok,
                 origins: viewer.program.settings.embedOrigins)
        }
    }

    /// `text/event-stream` of the board the query chooses: an `event: board` with its top ten at once, then again at each
    /// change of them, or an `event: change` (its data a count) when the board changed below them; `id:` counts the events,
    /// `: ping` comments between. It ends when the client goes or Rally stops.
    private func stream(_ request: Request, _ context: RallyRequestContext) async -> Response {
        await page(request, context) { viewer, _ in
            let board = WatchedBoard(program: viewer.program.id, query: Query(request))
            let (id, stream) = try await live.watch(board)
            let (live, limit) = (self.live, streamLimit)
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
                            body: ResponseBody { writer in
                                defer { live.stopWatching(board, id: id) }
                                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                                var sent = 0
                                try await withGracefulShutdownHandler {
                                    for await _ in stream.signals {
                                        guard let event = stream.take() else {
                                            try await writer.write(ByteBuffer(string: ": ping\n\n"))
                                            continue
                                        }
                                        sent += 1
                                        try await writer.write(ByteBuffer(string: "event: \(event.name)\nid: \(sent)\ndata: \(event.data)\n\n"))
                                        if let limit, sent >= limit { break }
                                    }
                                } onGracefulShutdown: {
                                    stream.finish()
                                }
                                try await writer.finish(nil)
                            })
        }
    }

    /// A page's answer: HTML that frames nowhere but the program's embed origins, loads nothing from elsewhere, runs no
    /// inline script, leaks no referrer and is kept by no cache (it carries the token in its links).
    private func html(_ text: String, status: HTTPResponse.Status, origins: [String]) -> Response {
        html(Array(text.utf8), status: status, origins: origins)
    }

    private func html(_ bytes: [UInt8], status: HTTPResponse.Status, origins: [String]) -> Response {
        let ancestors = origins.isEmpty ? "'none'" : origins.joined(separator: " ")
        return Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors \(ancestors)",
            HTTPField.Name("Referrer-Policy")!: "no-referrer", .cacheControl: "private, no-store", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    struct ProblemModel {
        var lang: String
        var kind = "problem"
        var title: String
        var heading: String
        var message: String
    }

    private func problemPage(_ error: RallyError, language: PageLanguage, origins: [String]) -> Response {
        let text = PageText.of(language)
        let (heading, message): (String, String) = switch error.code {
        case .unauthorized: (text.unauthorizedTitle, text.unauthorized)
        case .notFound: (text.notFoundTitle, text.notFound)
        case .validationFailed: (text.badRequestTitle, error.details.map { "\($0.field): \($0.problem)" }.joined(separator: "; "))
        default: (text.badRequestTitle, error.message)
        }
        let status: HTTPResponse.Status = error.code == .validationFailed ? .badRequest : error.status
        let model = ProblemModel(lang: language.rawValue, title: heading, heading: heading, message: message)
        return html(library.renderPlain(model, withTemplate: "problem"), status: status, origins: origins)
    }
}
