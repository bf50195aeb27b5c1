import Foundation
import Postgres
import RallyCore
import RallyStorage

extension BadgeAwarder {
    /// Settles every challenge that reached its target since the last look: the challenges not yet reached whose window
    /// has begun and whose events may still arrive (until the program's backfill window has passed their end).
    func settleChallenges() async throws {
        let open = try await postgres.query("""
            SELECT program_id, \(ChallengeStore.columns) FROM challenges c
            WHERE reached_at IS NULL AND starts_at <= now()
              AND ends_at > now() - make_interval(days => (SELECT backfill_days FROM programs p WHERE p.id = c.program_id))
            ORDER BY program_id, challenge_id
            """)
        for row in open {
            let program = try row.string("program_id")
            let (challenge, _) = try ChallengeStore.challenge(row)
            try await settle(challenge, program: program)
        }
    }

    /// Records when `challenge` reached its target, if it has: once, whichever instance sees it first (the row is
    /// updated only while unreached), in one transaction with the badge given to every contributor and the webhook
    /// notifications (`challenge.reached`, and `badge.awarded` for each award).
    func settle(_ challenge: Challenge, program programId: String, now: Date = Date()) async throws {
        guard let reached = try await postgres.withConnection({ connection in
            try connection.run(ChallengeReachedAt(program: programId, challenge: challenge)).first.map { Date(timeIntervalSince1970: try $0.double("reached_at")) }
        }) else { return }
        let program = try await programs.fresh(programId)
        let awarded = try await postgres.transaction { connection -> Int? in
            guard try connection.query("""
                UPDATE challenges SET reached_at = to_timestamp($3::float8) WHERE program_id = $1 AND challenge_id = $2 AND reached_at IS NULL RETURNING 1
                """, [programId, challenge.id, String(reached.timeIntervalSince1970)]).count == 1 else { return nil }
            let contributions = try connection.run(ChallengeContributions(program: programId, challenge: challenge)).map { row in
                ChallengeContribution(memberId: try row.string("member_id"), value: try row.int64("value"))
            }
            let standing = ChallengeStanding(contributions, top: 0)
            var awards: [AwardToRecord] = []
            if let badge = program.badges.first(where: { $0.id == challenge.badgeId && $0.criteria == .challenge }) {
                for contribution in contributions where contribution.value > 0 {
                    awards += badge.newAwards(value: 1, held: [], period: challenge.id)
                        .map { AwardToRecord(member: MemberRef(program: programId, id: contribution.memberId), key: $0, eventId: nil) }
                }
            }
            let recorded = try BadgeAwardRows.record(awards, now: now, on: connection)
            let subscribed = try WebhookStore.subscribed(program: programId, on: connection)
            var notifications: [WebhookNotification] = []
            if subscribed.contains(.badgeAwarded) {
                notifications = recorded.map { .badgeAwarded($0, name: program.badgeName($0.key.badgeId), at: now, timeZone: program.timeZone) }
            }
            if subscribed.contains(.challengeReached) {
                notifications.append(WebhookNotification(program: programId, type: .challengeReached, data: .object([
                    "challengeId": .string(challenge.id), "name": .string(challenge.name), "target": .integer(challenge.target),
                    "progress": .integer(standing.progress), "contributors": .integer(Int64(standing.contributors)),
                    "reachedAt": .string(RFC3339.format(reached, in: program.timeZone)),
                    "badgeId": challenge.badgeId.map(JSONValue.string) ?? .null,
                ])))
            }
            try WebhookStore.enqueue(notifications, on: connection)
            return recorded.count
        }
        guard let awarded else { return }
        self.awarded.increment(by: awarded)
        logger.info("challenge reached", metadata: ["program": "\(programId)", "challenge": "\(challenge.id)", "awards": "\(awarded)"])
    }
}
