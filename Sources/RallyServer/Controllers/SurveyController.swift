import Foundation
import Hummingbird
import RallyCore
import RallyLedger
import RallyStorage

/// `/v1/programs/{programId}/surveys`: eNPS and satisfaction answers, one or a thousand at once, idempotent by id.
struct SurveyController {
    let surveys: SurveyStore

    static let maximumBatch = 1000

    /// An answer as sent; a field of the wrong type is a problem of that answer only.
    struct ResponseInput: Decodable {
        var draft = SurveyResponseDraft(id: nil, memberId: nil, kind: nil, score: nil, answeredAt: nil)
        var problems: [FieldProblem] = []

        enum CodingKeys: String, CodingKey {
            case id, memberId, kind, score, answeredAt
        }

        init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: CodingKeys.self) else {
                problems.append(FieldProblem(field: "", problem: "a survey response must be a JSON object"))
                return
            }
            func field<T: Decodable>(_ key: CodingKeys, _ type: T.Type) -> T? { container.field(key, type, problems: &problems) }
            draft = SurveyResponseDraft(id: field(.id, String.self), memberId: field(.memberId, String.self), kind: field(.kind, String.self),
                                        score: field(.score, Int.self), answeredAt: field(.answeredAt, String.self))
        }
    }

    struct BatchInput: Decodable {
        var responses: [ResponseInput]
    }

    struct ResponseBody: JSONWritable {
        var response: SurveyResponse
        var outcome: String
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("id", response.id)
                json.field("outcome", outcome)
                json.field("memberId", response.memberId)
                json.field("kind", response.kind.rawValue)
                json.field("score", response.score)
                json.field("answeredAt", RFC3339.format(response.answeredAt, in: timeZone))
            }
        }
    }

    var routes: [Route] {
        [
            Route(.post, "responses", .program([.ingest]), record),
            Route(.post, "responses/batch", .program([.ingest]), recordBatch),
        ]
    }

    @Sendable func record(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let input = try await JSONBody.decode(ResponseInput.self, from: request, context: context)
        let response = try Self.validate(input, program: program).get()
        switch try await surveys.record(program: program, [(response, input.draft.answeredAt != nil)])[0] {
        case let .created(stored):
            return JSONResponse.make(ResponseBody(response: stored, outcome: "created", timeZone: program.timeZone), status: .created)
        case let .duplicate(stored):
            return JSONResponse.make(ResponseBody(response: stored, outcome: "duplicate", timeZone: program.timeZone), status: .ok)
        case .conflict:
            throw Self.conflict(response.id)
        }
    }

    /// Up to 1000 answers; a bad one does not reject the others. An id given twice is recorded once: the later copies
    /// answer as retries of the first.
    @Sendable func recordBatch(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let input = try await JSONBody.decode(BatchInput.self, from: request, context: context)
        guard (1...Self.maximumBatch).contains(input.responses.count) else {
            throw RallyError.validation([FieldProblem(field: "responses",
                                                      problem: "must hold 1 to \(Self.maximumBatch) responses, got \(input.responses.count)")])
        }
        var results = [BatchItemBody<ResponseBody>?](repeating: nil, count: input.responses.count)
        var firsts: [(position: Int, response: SurveyResponse, answeredAtGiven: Bool)] = []
        var repeats: [(position: Int, response: SurveyResponse, answeredAtGiven: Bool)] = []
        var seen: Set<String> = []
        for (index, item) in input.responses.enumerated() {
            switch Self.validate(item, program: program) {
            case let .success(response):
                if seen.insert(response.id).inserted {
                    firsts.append((index, response, item.draft.answeredAt != nil))
                } else {
                    repeats.append((index, response, item.draft.answeredAt != nil))
                }
            case let .failure(error):
                results[index] = .failure(idField: "id", id: item.draft.id, error.located(at: index, in: "responses"), requestId: context.id)
            }
        }
        let outcomes = try await surveys.record(program: program, firsts.map { ($0.response, $0.answeredAtGiven) })
        var stored: [String: SurveyResponse] = [:]
        func conflict(_ position: Int, _ id: String) -> BatchItemBody<ResponseBody> {
            .failure(idField: "id", id: id, Self.conflict(id).located(at: position, in: "responses"), requestId: context.id)
        }
        for (first, outcome) in zip(firsts, outcomes) {
            switch outcome {
            case let .created(found):
                results[first.position] = .success(ResponseBody(response: found, outcome: "created", timeZone: program.timeZone))
                stored[found.id] = found
            case let .duplicate(found):
                results[first.position] = .success(ResponseBody(response: found, outcome: "duplicate", timeZone: program.timeZone))
                stored[found.id] = found
            case .conflict:
                results[first.position] = conflict(first.position, first.response.id)
            }
        }
        for (position, response, answeredAtGiven) in repeats {
            if let first = stored[response.id], first.matches(response, answeredAtGiven: answeredAtGiven) {
                results[position] = .success(ResponseBody(response: first, outcome: "duplicate", timeZone: program.timeZone))
            } else {
                results[position] = conflict(position, response.id)
            }
        }
        return JSONResponse.make(BatchBody(results: results.compactMap { $0 }), status: .ok)
    }

    static func validate(_ input: ResponseInput, program: ProgramContext) -> Result<SurveyResponse, RallyError> {
        guard input.problems.isEmpty else { return .failure(.validation(input.problems)) }
        return input.draft.validated(settings: program.settings, now: Date()).mapError { .validation($0.problems) }
    }

    static func conflict(_ id: String) -> RallyError {
        RallyError(.conflict, "survey response '\(id)' was already recorded with other content",
                   details: [FieldProblem(field: "id", problem: "already used by a different response")])
    }
}
