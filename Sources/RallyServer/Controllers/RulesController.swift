import Foundation
import Hummingbird
import RallyCore
import RallyLedger

/// `/v1/programs/{programId}/rules`: the versions of a program's rules, set by HR without a deploy.
struct RulesController {
    let programs: ProgramStore

    /// A ruleset as the contract writes it, instants in the program's time zone.
    struct RulesetBody: JSONWritable {
        var ruleset: Ruleset
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.value(ruleset.document(in: timeZone))
        }
    }

    struct VersionsBody: JSONWritable {
        var versions: [Ruleset]
        var inForce: Int
        var timeZone: TimeZone

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("inForce", inForce)
                json.key("versions")
                json.array(versions.reversed()) { json, ruleset in json.value(ruleset.document(in: timeZone)) }
            }
        }
    }

    var routes: [Route] {
        [
            Route(.get, "", .program([.read]), show),
            Route(.put, "", .program([.admin]), replace),
            Route(.get, "versions", .program([.read]), versions),
            Route(.post, "simulate", .program([.admin]), simulate),
        ]
    }

    /// The ruleset in force now (the defaults, version 0, until HR sets one).
    @Sendable func show(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let fresh = try await programs.fresh(program.id)
        return JSONResponse.make(RulesetBody(ruleset: fresh.rules.inForce(at: Date()), timeZone: fresh.timeZone), status: .ok)
    }

    /// Every version, newest first, and the number of the one in force now.
    @Sendable func versions(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let fresh = try await programs.fresh(program.id)
        return JSONResponse.make(VersionsBody(versions: fresh.rules.versions, inForce: fresh.rules.inForce(at: Date()).version,
                                              timeZone: fresh.timeZone), status: .ok)
    }

    /// What proposed rules would have given over the stored events of `[from, to]`, changing nothing.
    @Sendable func simulate(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let body = try await JSONBody.decode(JSONValue.self, from: request, context: context)
        let (ruleset, from, to) = try Self.simulation(body, calendar: program.calendar)
        let started = ContinuousClock.now
        let result = try await programs.simulate(ruleset, program: program, from: from, to: to)
        context.logger.info("rules simulated", metadata: ["program": "\(program.id)", "events": "\(result.events)",
                                                          "duration": "\(ContinuousClock.now - started)"])
        return JSONResponse.make(SimulationBody(result: result, from: from, to: to, timeZone: program.timeZone), status: .ok)
    }

    /// The longest range a simulation replays.
    static let maximumSimulationDays = 366

    /// `{"rules": {…}, "from", "to"}`: the rules read as `PUT` reads them (problems under `rules.`), and the range: RFC 3339
    /// instants, or local dates (`from` from the start of its day, `to` to the end of its day).
    static func simulation(_ body: JSONValue, calendar: PeriodCalendar) throws -> (Ruleset, Date, Date) {
        guard case let .object(fields) = body else { throw RallyError(.malformedJSON, "the request body must be a JSON object") }
        var problems: [FieldProblem] = fields.keys.sorted().filter { !["rules", "from", "to"].contains($0) }.map {
            FieldProblem(field: $0, problem: "unknown field; expected one of: from, rules, to")
        }
        var ruleset: Ruleset?
        switch fields["rules"].map(Ruleset.parse) {
        case let .success(proposal)?: ruleset = proposal.ruleset
        case let .failure(failure)?: problems += failure.problems.map { $0.nested(under: "rules") }
        case nil: problems.append(FieldProblem(field: "rules", problem: "is required: the ruleset to simulate"))
        }
        func instant(_ name: String, endOfDay: Bool) -> Date? {
            guard case let .string(text)? = fields[name] else {
                problems.append(FieldProblem(field: name, problem: "is required: an RFC 3339 instant or a date such as 2026-11-01"))
                return nil
            }
            if let date = CivilDate.parse(text) {
                let day = calendar.window(.range, from: date, through: date)
                return endOfDay ? day.end : day.start
            }
            guard let parsed = RFC3339.parse(text) else {
                problems.append(FieldProblem(field: name, problem: "must be an RFC 3339 instant or a date such as 2026-11-01"))
                return nil
            }
            return parsed
        }
        let from = instant("from", endOfDay: false), to = instant("to", endOfDay: true)
        if let from, let to, to <= from || to.timeIntervalSince(from) > Double(maximumSimulationDays) * 86_400 {
            problems.append(FieldProblem(field: "to", problem: "must be after from, and at most \(maximumSimulationDays) days after it"))
        }
        guard problems.isEmpty, let ruleset, let from, let to else { throw RallyError.validation(problems) }
        return (ruleset, from, to)
    }

    /// A new version, in force from its `effectiveFrom` (now when absent); never retroactive.
    @Sendable func replace(_ request: Request, context: RallyRequestContext) async throws -> Response {
        let program = try context.requireProgram()
        let document = try await JSONBody.decode(JSONValue.self, from: request, context: context)
        let proposal = try Ruleset.parse(document).mapError { RallyError.validation($0.problems) }.get()
        let ruleset = try await programs.setRules(proposal, program: program.id, actor: context.actor)
        context.logger.info("rules changed", metadata: ["program": "\(program.id)", "version": "\(ruleset.version)"])
        return JSONResponse.make(RulesetBody(ruleset: ruleset, timeZone: program.timeZone), status: .ok)
    }
}

/// The answer of a simulation.
struct SimulationBody: JSONWritable {
    var result: SimulationResult
    var from: Date
    var to: Date
    var timeZone: TimeZone

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("from", RFC3339.format(from, in: timeZone))
            json.field("to", RFC3339.format(to, in: timeZone))
            json.field("events", result.events)
            json.field("points", object: { json in
                json.field("before", result.pointsBefore)
                json.field("after", result.pointsAfter)
            })
            json.field("actions", object: { json in
                for (action, totals) in result.actions.sorted(by: { $0.key < $1.key }) {
                    json.field(action, object: { json in
                        json.field("events", totals.events)
                        json.field("before", totals.before)
                        json.field("after", totals.after)
                    })
                }
            })
            json.field("top", object: { json in
                for (name, entries) in [("before", result.topBefore), ("after", result.topAfter)] {
                    json.key(name)
                    json.array(entries) { json, entry in
                        json.object { json in
                            json.field("rank", entry.rank)
                            json.field("memberId", entry.memberId)
                            json.field("points", entry.points)
                        }
                    }
                }
            })
            json.key("movers")
            json.array(result.movers) { json, move in
                json.object { json in
                    json.field("memberId", move.memberId)
                    json.field("before", object: { json in
                        json.field("rank", move.before)
                        json.field("points", move.pointsBefore)
                    })
                    json.field("after", object: { json in
                        json.field("rank", move.after)
                        json.field("points", move.pointsAfter)
                    })
                }
            }
        }
    }
}
