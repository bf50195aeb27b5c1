import Foundation
import Hummingbird
import RallyCore
import RallyLedger
import RallyStorage

/// `/v1/programs/{programId}/events`: what platforms report, scored at once.
struct EventController {
    let writer: EventWriter

    static let maximumBatch = 1000

    /// An event as sent; fields of the wrong type become problems of that event only, so one bad event never rejects a batch.
    struct EventInput: Decodable {
        var draft = EventDraft(id: nil, memberId: nil, action: nil, network: nil, contentId: nil, occurredAt: nil, tags: nil)
        var problems: [FieldProblem] = []

        enum CodingKeys: String, CodingKey {
            case id, memberId, action, network, contentId, occurredAt, tags
        }

        init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: CodingKeys.self) else {
                problems.append(FieldProblem(field: "", problem: "an event must be a JSON object"))
                return
            }
            func field<T: Decodable>(_ key: CodingKeys, _ type: T.Type) -> T? { container.field(key, type, problems: &problems) }
            draft = EventDraft(id: field(.id, String.self), memberId: field(.memberId, String.self), action: field(.action, String.self),
                               network: field(.network, String.self), contentId: field(.contentId, String.self),
                               occurredAt: field(.occurredAt, String.self), tags: field(.tags, [String].self))
        }
    }

    struct BatchInput: Decodable {
        var events: [EventInput]
    }

    var routes: [Route] {
        [
            Route(.post, "", .program([.ingest]), record),
            Route(.post, "batch", .program([.ingest]), recordBatch),
            Route(.delete, ":eventId", .program([.ingest]), retract),
        ]
    }

    @Sendable func record(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let input = try await JSONBody.decode(EventInput.self, from: request, context: context)
        let event = try Self.validate(input, program: program).get()
        let outcome = try await writer.record([EventSubmission(program: program, event: event, receivedAt: Date())])[0]
        switch outcome {
        case let .created(result):
            return JSONResponse.make(EventResultBody(result, outcome: "created", timeZone: program.timeZone), status: .created)
        case let .duplicate(result):
            return JSONResponse.make(EventResultBody(result, outcome: "duplicate", timeZone: program.timeZone), status: .ok)
        case let .rejected(error):
            throw error
        }
    }

    @Sendable func recordBatch(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let input = try await JSONBody.decode(BatchInput.self, from: request, context: context)
        guard (1...Self.maximumBatch).contains(input.events.count) else {
            throw RallyError.validation([FieldProblem(field: "events", problem: "must hold 1 to \(Self.maximumBatch) events, got \(input.events.count)")])
        }
        let receivedAt = Date()
        var results = [BatchItemBody<EventResultBody>?](repeating: nil, count: input.events.count)
        var submissions: [EventSubmission] = []
        var positions: [Int] = []
        for (index, item) in input.events.enumerated() {
            switch Self.validate(item, program: program) {
            case let .success(event):
                submissions.append(EventSubmission(program: program, event: event, receivedAt: receivedAt))
                positions.append(index)
            case let .failure(error):
                results[index] = .failure(idField: "eventId", id: item.draft.id, error.located(at: index), requestId: context.id)
            }
        }
        let outcomes = try await writer.record(submissions)
        for ((position, submission), outcome) in zip(zip(positions, submissions), outcomes) {
            switch outcome {
            case let .created(result): results[position] = .success(EventResultBody(result, outcome: "created", timeZone: program.timeZone))
            case let .duplicate(result): results[position] = .success(EventResultBody(result, outcome: "duplicate", timeZone: program.timeZone))
            case let .rejected(error):
                if let detail = error.internalDetail {
                    context.logger.notice("batch event refused", metadata: ["index": "\(position)", "error": "\(detail)"])
                }
                results[position] = .failure(idField: "eventId", id: submission.event.id, error.located(at: position), requestId: context.id)
            }
        }
        return JSONResponse.make(BatchBody(results: results.compactMap { $0 }), status: .ok)
    }

    /// The source retracted an event: its points are reversed once; again, the same answer.
    @Sendable func retract(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let outcome = try await writer.retract(program: program, eventId: try context.pathIdentifier("eventId"), actor: context.actor)
        context.logger.info("event retracted", metadata: ["program": "\(program.id)", "event": "\(outcome.eventId)"])
        return JSONResponse.make(RetractionBody(outcome: outcome), status: .ok)
    }

    static func validate(_ input: EventInput, program: ProgramContext) -> Result<Event, RallyError> {
        guard input.problems.isEmpty else { return .failure(.validation(input.problems)) }
        return input.draft.validated(against: program.rules, settings: program.settings, now: Date()).mapError { .validation($0.problems) }
    }
}

extension RallyError {
    /// The same error with its fields named inside a batch's list (`action` → `events[3].action`).
    func located(at index: Int, in list: String = "events") -> RallyError {
        RallyError(code, message, details: details.map { $0.nested(under: "\(list)[\(index)]") }, internalDetail: internalDetail)
    }
}

/// The answer for one event.
struct EventResultBody: JSONWritable {
    var result: EventResult
    var outcome: String
    var timeZone: TimeZone

    init(_ result: EventResult, outcome: String, timeZone: TimeZone) {
        self.result = result
        self.outcome = outcome
        self.timeZone = timeZone
    }

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("eventId", result.eventId)
            json.field("outcome", outcome)
            json.field("status", result.status.rawValue)
            json.field("points", result.points)
            json.field("breakdown", result.breakdown.map(AwardLineBody.init))
            json.field("rulesVersion", result.rulesVersion)
            json.field("badgesAwarded", result.badgesAwarded.map { EarnedBadgeBody(badge: $0, timeZone: timeZone, detailed: false) })
            json.key("levelReached")
            if let level = result.levelReached { json.value(LevelBody.document(level)) } else { json.null() }
            json.field("member", MemberSummaryBody(summary: result.member))
        }
    }
}

/// A badge award: `{"badgeId", "tier", "name", "awardedAt"}`, and on a profile also `eventId` and, for a rank badge,
/// `period`.
struct EarnedBadgeBody: JSONWritable {
    var badge: EarnedBadge
    var timeZone: TimeZone
    var detailed: Bool

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("badgeId", badge.badgeId)
            json.field("tier", badge.tier)
            json.field("name", badge.name)
            json.field("awardedAt", RFC3339.format(badge.awardedAt, in: timeZone))
            if detailed {
                json.field("eventId", badge.eventId)
                json.field("period", badge.period)
            }
        }
    }
}

/// A level: `{"name", "minPoints"}`.
enum LevelBody {
    static func document(_ level: Level) -> JSONValue {
        .object(["name": .string(level.name), "minPoints": .integer(level.minPoints)])
    }
}

/// One line of an award's breakdown.
struct AwardLineBody: JSONWritable {
    var line: AwardLine

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("rule", line.rule)
            json.field("points", line.points)
            if let factor = line.factor { json.field("factor", number: "\(factor)") }
        }
    }
}

/// A member's points and ranks as an event's or a retraction's answer shows them.
struct MemberSummaryBody: JSONWritable {
    var summary: MemberAfterEvent

    func write(to json: inout JSONWriter) {
        json.object { json in
            let points = summary.points
            json.field("points", MemberController.PointsBody(lifetime: points.lifetime, week: points.week, month: points.month))
            json.field("ranks", MemberController.RanksBody(summary.ranks))
        }
    }
}

/// The answer to a retraction.
struct RetractionBody: JSONWritable {
    var outcome: RetractionOutcome

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("eventId", outcome.eventId)
            json.field("status", "retracted")
            json.field("pointsReversed", outcome.pointsReversed)
            json.field("member", MemberSummaryBody(summary: outcome.member))
        }
    }
}
