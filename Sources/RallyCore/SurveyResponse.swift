import Foundation

/// One answer to a survey, as stored: anonymous when `memberId` is nil.
public struct SurveyResponse: Sendable, Equatable {
    public var id: String
    public var memberId: String?
    public var kind: SurveyKind
    public var score: Int
    public var answeredAt: Date

    public init(id: String, memberId: String?, kind: SurveyKind, score: Int, answeredAt: Date) {
        self.id = id
        self.memberId = memberId
        self.kind = kind
        self.score = score
        self.answeredAt = answeredAt
    }

    /// Whether `retry` says the same as this stored answer (its instant only when the caller named one: left out, it
    /// defaults to the moment of sending, which differs on a retry). Instants are stored to the microsecond.
    public func matches(_ retry: SurveyResponse, answeredAtGiven: Bool) -> Bool {
        memberId == retry.memberId && kind == retry.kind && score == retry.score
            && (!answeredAtGiven || abs(answeredAt.timeIntervalSince(retry.answeredAt)) < 0.000_001)
    }
}

/// A survey answer as a platform sent it, before validation.
public struct SurveyResponseDraft: Sendable, Equatable {
    public var id: String?
    public var memberId: String?
    public var kind: String?
    public var score: Int?
    public var answeredAt: String?

    public init(id: String?, memberId: String?, kind: String?, score: Int?, answeredAt: String?) {
        self.id = id
        self.memberId = memberId
        self.kind = kind
        self.score = score
        self.answeredAt = answeredAt
    }

    /// The answer, or every problem found: `answeredAt` (now when left out) must lie inside the program's window, as an
    /// event's `occurredAt`.
    public func validated(settings: ProgramSettings, now: Date) -> Result<SurveyResponse, ValidationFailure> {
        var problems: [FieldProblem] = []
        if let id { problems += Identifier.problems(id, field: "id") } else { problems.append(FieldProblem(field: "id", problem: "is required")) }
        if let memberId { problems += Identifier.problems(memberId, field: "memberId") }
        let kind = kind.flatMap(SurveyKind.init(rawValue:))
        if self.kind == nil {
            problems.append(FieldProblem(field: "kind", problem: "is required"))
        } else if kind == nil {
            problems.append(FieldProblem(field: "kind", problem: "must be one of: enps, satisfaction"))
        }
        if let kind, let score, !kind.scores.contains(score) {
            problems.append(FieldProblem(field: "score", problem: "must be a whole number from \(kind.scores.lowerBound) to \(kind.scores.upperBound) for \(kind.rawValue)"))
        } else if score == nil {
            problems.append(FieldProblem(field: "score", problem: "is required"))
        }
        var instant = now
        if let answeredAt {
            let (parsed, found) = settings.instant(answeredAt, now: now, field: "answeredAt")
            instant = parsed ?? instant
            problems += found
        }
        guard problems.isEmpty, let id, let kind, let score else { return .failure(ValidationFailure(problems: problems)) }
        return .success(SurveyResponse(id: id, memberId: memberId, kind: kind, score: score, answeredAt: instant))
    }
}
