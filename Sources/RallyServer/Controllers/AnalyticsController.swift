import Foundation
import Hummingbird
import RallyAnalytics
import RallyCore
import RallyStorage

/// `/v1/programs/{programId}/analytics`: does the program work? Participation, satisfaction and reach, for HR (admin).
struct AnalyticsController {
    let analytics: AnalyticsStore

    var routes: [Route] {
        [
            Route(.get, "participation", .program([.admin]), participation),
            Route(.get, "satisfaction", .program([.admin]), satisfaction),
            Route(.get, "reach", .program([.admin]), reach),
        ]
    }

    @Sendable func participation(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let granularity = try query.choice("granularity", default: AnalyticsGranularity.week)
        let range = try Self.range(query, granularity: granularity, program: program)
        let grouping = try Self.grouping(query)
        let periods = try await analytics.participation(program: program, periods: range.periods(granularity, calendar: program.calendar),
                                                        grouping: grouping)
        return JSONResponse.make(ParticipationBody(program: program, granularity: granularity, range: range, grouping: grouping,
                                                   source: await analytics.database.source(), periods: periods),
                                 status: .ok)
    }

    @Sendable func satisfaction(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let kind = try query.choice("kind", default: SurveyKind.enps)
        let range = try Self.range(query, granularity: nil, program: program)
        let grouping = try Self.grouping(query)
        let answers = try await analytics.satisfaction(program: program, kind: kind, range: range, grouping: grouping)
        return JSONResponse.make(SatisfactionBody(program: program, kind: kind, range: range, grouping: grouping, source: await analytics.database.source(),
                                                  answers: answers), status: .ok)
    }

    @Sendable func reach(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = Query(request)
        let range = try Self.range(query, granularity: nil, program: program)
        let grouping = try Self.grouping(query)
        let rows = try await analytics.reach(program: program, range: range, grouping: grouping)
        return JSONResponse.make(ReachBody(program: program, range: range, grouping: grouping, source: await analytics.database.source(), rows: rows),
                                 status: .ok)
    }

    static func grouping(_ query: Query) throws -> AnalyticsGrouping? {
        guard query.value("groupBy") != nil else { return nil }
        return try query.choice("groupBy", default: AnalyticsGrouping.team)
    }

    static func range(_ query: Query, granularity: AnalyticsGranularity?, program: ProgramContext) throws -> AnalyticsRange {
        return try AnalyticsRange.parse(from: query.value("from"), to: query.value("to"), granularity: granularity,
                                        today: program.calendar.localDate(of: Date())).mapError { RallyError.validation($0.problems) }.get()
    }
}
