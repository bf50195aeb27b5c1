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
        let query = request.uri.queryParameters
        let granularity = try Self.choice(query, "granularity", default: AnalyticsGranularity.week)
        let range = try Self.range(query, granularity: granularity, program: program)
        let grouping = try Self.grouping(query)
        let periods = try await analytics.participation(program: program, periods: range.periods(granularity, calendar: program.calendar),
                                                        grouping: grouping)
        return JSONResponse.make(ParticipationBody(program: program, granularity: granularity, range: range, grouping: grouping, periods: periods),
                                 status: .ok)
    }

    @Sendable func satisfaction(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = request.uri.queryParameters
        let kind = try Self.choice(query, "kind", default: SurveyKind.enps)
        let range = try Self.range(query, granularity: nil, program: program)
        let grouping = try Self.grouping(query)
        let answers = try await analytics.satisfaction(program: program, kind: kind, range: range, grouping: grouping)
        return JSONResponse.make(SatisfactionBody(program: program, kind: kind, range: range, grouping: grouping, answers: answers), status: .ok)
    }

    @Sendable func reach(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let query = request.uri.queryParameters
        let range = try Self.range(query, granularity: nil, program: program)
        let grouping = try Self.grouping(query)
        let rows = try await analytics.reach(program: program, range: range, grouping: grouping)
        return JSONResponse.make(ReachBody(program: program, range: range, grouping: grouping, rows: rows), status: .ok)
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ query: Parameters, _ name: String, default value: T) throws -> T where T.RawValue == String {
        guard let text = query[name[...]].map(String.init), !text.isEmpty else { return value }
        guard let found = T(rawValue: text) else {
            throw RallyError.validation([FieldProblem(field: name, problem: "must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")])
        }
        return found
    }

    static func grouping(_ query: Parameters) throws -> AnalyticsGrouping? {
        guard let text = query["groupBy"].map(String.init), !text.isEmpty else { return nil }
        return try choice(query, "groupBy", default: AnalyticsGrouping.team)
    }

    static func range(_ query: Parameters, granularity: AnalyticsGranularity?, program: ProgramContext) throws -> AnalyticsRange {
        func value(_ name: String) -> String? { query[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        return try AnalyticsRange.parse(from: value("from"), to: value("to"), granularity: granularity,
                                        today: program.calendar.localDate(of: Date())).mapError { RallyError.validation($0.problems) }.get()
    }
}
