import Foundation
import Hummingbird
import RallyCore
import RallyLeaderboards
import RallyStorage
import Synchronization

/// `/v1/programs/{programId}/leaderboards`: member boards (Redis for recent periods, PostgreSQL for older ones) and
/// team boards.
struct LeaderboardController {
    let leaderboards: Leaderboards
    /// The JSON of leaderboard pages, reused while the page's revision is the same.
    let rendered = RenderedByRevision<String, [UInt8]>()

    struct BoardBody: JSONWritable {
        var page: LeaderboardPage
        var timeZone: TimeZone
        var offset: Int
        var limit: Int

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("period", object: { json in PeriodBody(period: page.period, timeZone: timeZone).write(to: &json) })
                json.field("total", page.total)
                json.field("offset", offset)
                json.field("limit", limit)
                json.key("entries")
                json.array(page.entries) { json, entry in
                    json.object { json in
                        json.field("rank", entry.rank)
                        json.field("memberId", entry.memberId)
                        json.field("displayName", entry.displayName)
                        json.field("team", entry.team)
                        json.field("points", entry.points)
                    }
                }
            }
        }
    }

    struct TeamBoardBody: JSONWritable {
        var page: TeamBoardPage
        var timeZone: TimeZone
        var offset: Int
        var limit: Int

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("period", object: { json in PeriodBody(period: page.period, timeZone: timeZone).write(to: &json) })
                json.field("metric", page.metric.rawValue)
                json.field("total", page.total)
                json.field("offset", offset)
                json.field("limit", limit)
                json.key("entries")
                json.array(page.entries) { json, entry in
                    json.object { json in
                        json.field("rank", entry.rank)
                        json.field("team", entry.team)
                        switch page.metric {
                        case .total: json.field("points", entry.points)
                        case .perMember: json.field("points", number: TeamRanking.decimal(hundredths: entry.score))
                        }
                        json.field("members", entry.members)
                    }
                }
            }
        }
    }

    /// A board's period: its kind, key and bounds in the program's time zone.
    struct PeriodBody {
        var period: Period
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.field("kind", period.kind.rawValue)
            json.field("key", period.key)
            json.field("start", period.start.map { RFC3339.format($0, in: timeZone) })
            json.field("end", period.end.map { RFC3339.format($0, in: timeZone) })
        }
    }

    var routes: [Route] {
        [
            Route(.get, "members", .program([.read]), members),
            Route(.get, "members/around/:memberId", .program([.read]), around),
            Route(.get, "teams", .program([.read]), teams),
        ]
    }

    /// Teams ranked by their enrolled members' points (hidden members included), summed or per member; `region` limits
    /// the members counted to that region's.
    @Sendable func teams(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let board = try Self.board(query, program: program)
        let region = try Self.scope(query, program: program, teamAllowed: false).region
        let metricText = query.value("metric") ?? TeamMetric.total.rawValue
        guard let metric = TeamMetric(rawValue: metricText) else {
            let metrics = TeamMetric.allCases.map(\.rawValue).joined(separator: ", ")
            throw RallyError.validation([FieldProblem(field: "metric", problem: "must be one of \(metrics)")])
        }
        let limit = try query.integer("limit", default: 10, range: 1...100)
        let offset = try query.integer("offset", default: 0, range: 0...1_000_000)
        let page = try await leaderboards.teamPage(program: program, period: board.period, region: region, metric: metric, offset: offset, limit: limit)
        return JSONResponse.make(TeamBoardBody(page: page, timeZone: program.timeZone, offset: offset, limit: limit), status: .ok)
    }

    @Sendable func members(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let board = try Self.board(query, program: program)
        let scope = try Self.scope(query, program: program)
        let limit = try query.integer("limit", default: 10, range: 1...100)
        let offset = try query.integer("offset", default: 0, range: 0...1_000_000)
        let page = try await leaderboards.page(program: program, scope: scope, span: board, offset: offset, limit: limit)
        let body = rendered.value(revision: page.revision, key: "\(program.id)\n\(scope)\n\(board.period.kind.rawValue):\(board.period.key)/\(offset)/\(limit)") {
            JSONWriter.encode(BoardBody(page: page, timeZone: program.timeZone, offset: offset, limit: limit))
        }
        return JSONResponse.make(bytes: body, status: .ok)
    }

    @Sendable func around(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let memberId = try context.pathIdentifier("memberId")
        let query = Query(request)
        let board = try Self.board(query, program: program)
        let scope = try Self.scope(query, program: program)
        let radius = try query.integer("radius", default: 2, range: 0...50)
        guard let (page, limit) = try await leaderboards.around(program: program, scope: scope, span: board, memberId: memberId, radius: radius) else {
            throw RallyError(.notFound, "member '\(memberId)' is not on the \(board.period.kind.rawValue) leaderboard \(board.period.key)")
        }
        return JSONResponse.make(BoardBody(page: page, timeZone: program.timeZone, offset: page.offset, limit: limit), status: .ok)
    }

    /// `from`/`to` (whole local days, inclusive), `period=rolling&days=N` (the last N days up to `at`, default today),
    /// or any tracked `period` with `at`.
    static func board(_ query: Query, program: ProgramContext) throws -> BoardSpan {
        let from = query.value("from"), to = query.value("to")
        if from != nil || to != nil || query.value("period") == "range" {
            var problems: [FieldProblem] = []
            let first = from.flatMap(CivilDate.parse), last = to.flatMap(CivilDate.parse)
            if first == nil { problems.append(FieldProblem(field: "from", problem: "must be a date such as 2026-11-01 (with to)")) }
            if last == nil { problems.append(FieldProblem(field: "to", problem: "must be a date such as 2026-11-15 (with from)")) }
            if let period = query.value("period"), period != "range" {
                problems.append(FieldProblem(field: "period", problem: "from and to choose the days: leave period out (or range)"))
            }
            guard problems.isEmpty, let first, let last else { throw RallyError.validation(problems) }
            let span = last.daysSinceEpoch - first.daysSinceEpoch + 1
            guard (1...Self.maximumWindowDays).contains(span) else {
                throw RallyError.validation([FieldProblem(field: "to", problem: "must be on or after from, and at most \(Self.maximumWindowDays) days after it")])
            }
            return window(.range, from: first, through: last, program: program)
        }
        if query.value("period") == "rolling" {
            guard let days = query.value("days").flatMap({ Int($0) }), (1...Self.maximumWindowDays).contains(days) else {
                throw RallyError.validation([FieldProblem(field: "days", problem: "must be an integer from 1 to \(Self.maximumWindowDays)")])
            }
            let last = program.calendar.localDate(of: try instant(query, program: program))
            return window(.rolling, from: CivilDate(daysSinceEpoch: last.daysSinceEpoch - days + 1), through: last, program: program)
        }
        if query.value("days") != nil {
            throw RallyError.validation([FieldProblem(field: "days", problem: "goes with period=rolling")])
        }
        return .period(try period(query, program: program))
    }

    static let maximumWindowDays = 366

    private static func window(_ kind: PeriodKind, from first: CivilDate, through last: CivilDate, program: ProgramContext) -> BoardSpan {
        .window(program.calendar.window(kind, from: first, through: last), first: first, last: last)
    }

    /// `period` (default week) and `at` (a local date `2026-11-20` or an RFC 3339 instant; default now).
    /// `team`, `region` or `campaign` (one of them; empty means absent): the members a board ranks, and for a campaign
    /// the points it counts. Default: the whole program. Team boards rank every team: only `region` goes with them. A
    /// campaign no version of the rules defines is a 404.
    static func scope(_ query: Query, program: ProgramContext, teamAllowed: Bool = true) throws -> BoardScope {
        let team = query.value("team"), region = query.value("region"), campaign = query.value("campaign")
        var problems = CallerText.problems(team, field: "team", maximumLength: MemberProfile.maximumTextLength)
            + CallerText.problems(region, field: "region", maximumLength: MemberProfile.maximumTextLength)
        if let campaign, !Identifier.isValid(campaign) {
            problems.append(FieldProblem(field: "campaign", problem: "must be a campaign id: 1-128 characters of A-Z a-z 0-9 . _ : @ -"))
        }
        if !teamAllowed, team != nil || campaign != nil {
            problems.append(FieldProblem(field: team != nil ? "team" : "campaign",
                                         problem: "team boards rank every team: leave team and campaign out (region may narrow them)"))
        } else if [team, region, campaign].compactMap({ $0 }).count > 1 {
            problems.append(FieldProblem(field: campaign != nil ? "campaign" : "region", problem: "give one of team, region and campaign"))
        }
        guard problems.isEmpty else { throw RallyError.validation(problems) }
        if let campaign {
            guard program.rules.versions.contains(where: { $0.campaigns.contains { $0.id == campaign } }) else {
                throw RallyError(.notFound, "campaign '\(campaign)' is in no version of program '\(program.id)''s rules")
            }
            return .campaign(campaign)
        }
        return team.map(BoardScope.team) ?? region.map(BoardScope.region) ?? .program
    }

    static func period(_ query: Query, program: ProgramContext) throws -> Period {
        let kindText = query.value("period") ?? "week"
        guard let kind = PeriodKind(rawValue: kindText), PeriodKind.tracked.contains(kind) else {
            let kinds = (PeriodKind.tracked.map(\.rawValue) + ["rolling (with days)"]).joined(separator: ", ")
            throw RallyError.validation([FieldProblem(field: "period", problem: "must be one of \(kinds), or leave it out and give from and to")])
        }
        return program.calendar.period(kind, containing: try instant(query, program: program))
    }

    /// `at`: a local date (its noon) or an RFC 3339 instant; now by default.
    private static func instant(_ query: Query, program: ProgramContext) throws -> Date {
        guard let at = query.value("at") else { return Date() }
        if let date = CivilDate.parse(at) { return program.calendar.instant(atNoonOf: date) }
        if let parsed = RFC3339.parse(at) { return parsed }
        throw RallyError.validation([FieldProblem(field: "at", problem: "must be a date (2026-11-20) or an RFC 3339 timestamp")])
    }
}
