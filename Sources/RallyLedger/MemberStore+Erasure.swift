import Foundation
import Postgres
import RallyCore
import RallyStorage

extension MemberStore {
    /// The tables whose rows belong to a member, by `member_id`: an erasure moves them all to a pseudonym.
    static let memberTables = [
        "events", "ledger", "member_days", "member_totals", "member_activity", "content_awards", "member_action_totals",
        "member_badges", "member_campaign_days", "member_enrolments", "member_audiences", "redemptions", "member_balances", "balance_entries",
        "posted_content", "engagement_days", "flags",
    ]

    /// Erases a member (the right to be forgotten), audited as `actor`'s: their name and audience are removed and they
    /// leave every member board at once (hidden); then everything recorded of them (the member row, events, points,
    /// days, activity, badges, enrolment and audience history) moves to a random pseudonym, which nothing links to
    /// them, so that every aggregate stays as it was: participation per period and team, action totals, reach, and team
    /// totals (a hidden member's points count for their team; the pseudonym keeps the team, region and enrolment they
    /// had). Their survey answers become anonymous, and their id is cleared from webhook notifications and the audit
    /// log. The id is then free: the same id enrols again as a new person. A 404 when there is no such member.
    public func erase(program: String, memberId: String, actor: String) async throws {
        // Personal data off at once, and off the member boards; team totals keep the points (hidden members count).
        guard try await postgres.query("""
            UPDATE members SET display_name = NULL, audience = '{}', visibility = 'hidden', updated_at = now()
            WHERE program_id = $1 AND member_id = $2
            """, [program, memberId]).affectedRows == 1 else { throw Self.unknownMember(memberId, program: program) }
        // Off every member board while their totals still stand under their id (the resync reads them to know which).
        leaderboards.postgresBoardsChanged(awarded: [program], archived: [program])
        try await writer.refreshMembers(program: program, memberIds: [memberId])
        let pseudonym = "erased:" + KeyStore.randomCharacters(24)
        try await postgres.transaction { connection in
            guard try connection.query("SELECT 1 FROM members WHERE program_id = $1 AND member_id = $2 FOR UPDATE", [program, memberId]).count == 1
            else { throw Self.unknownMember(memberId, program: program) }
            let parameters = [program, memberId, pseudonym]
            for table in ["members"] + Self.memberTables {
                try connection.query("UPDATE \(table) SET member_id = $3 WHERE program_id = $1 AND member_id = $2", parameters)
            }
            try connection.query("UPDATE survey_responses SET member_id = NULL WHERE program_id = $1 AND member_id = $2", [program, memberId])
            try Self.clearFromIntegrity(parameters, on: connection)
            try Self.clearFromNotifications(parameters, on: connection)
            try Self.clearFromAudit(parameters, on: connection)
            try AuditLog.record(program: program, actor: actor, action: "member.erased", target: "members/\(pseudonym)", before: nil,
                                after: JSONValue.object(["memberId": .string(pseudonym)]).text, on: connection)
        }
        writer.activity.changed([program])
    }

    /// The member's id where the integrity rules name them as the other member: pair counts, and pair flags' evidence
    /// wherever it was copied (the flag, its `member.flagged` notification, its review's audit entries), its summary
    /// written again without the id.
    private static func clearFromIntegrity(_ parameters: [String?], on connection: PostgresConnection) throws {
        try connection.query("UPDATE engagement_days SET owner_id = $3 WHERE program_id = $1 AND owner_id = $2", parameters)
        try connection.query("""
            UPDATE flags SET evidence = \(pairEvidence("evidence")), subject = split_part(subject, '/', 1) || '/' || $3
            WHERE program_id = $1 AND rule = 'pairPerDay' AND evidence->>'otherMemberId' = $2
            """, parameters)
        for (table, column) in [("webhook_deliveries", "data"), ("audit_log", "before"), ("audit_log", "after")] {
            try connection.query("""
                UPDATE \(table) SET \(column) = jsonb_set(\(column), '{evidence}', \(pairEvidence("\(column)->'evidence'")))
                WHERE program_id = $1 AND \(column)->'evidence'->>'otherMemberId' = $2
                """, parameters)
        }
    }

    /// A pair flag's evidence (SQL, jsonb) naming the pseudonym `$3` as the other member, its summary without an id.
    private static func pairEvidence(_ evidence: String) -> String {
        """
        \(evidence) || jsonb_build_object('otherMemberId', $3::text,
            'summary', format('%s likes and comments with another member on %s, more than the limit of %s',
                              \(evidence)->>'count', \(evidence)->>'day', \(evidence)->>'limit'))
        """
    }

    /// The member's id in the webhook notifications kept (`$1` program, `$2` id, `$3` pseudonym): theirs, and their
    /// line (name too) in a closed period's standings.
    private static func clearFromNotifications(_ parameters: [String?], on connection: PostgresConnection) throws {
        try connection.query("""
            UPDATE webhook_deliveries SET data = jsonb_set(data, '{memberId}', to_jsonb($3::text))
            WHERE program_id = $1 AND data->>'memberId' = $2
            """, parameters)
        try connection.query("""
            UPDATE webhook_deliveries SET data = jsonb_set(data, '{entries}', (
                SELECT jsonb_agg(CASE WHEN e->>'memberId' = $2 THEN e || jsonb_build_object('memberId', $3::text, 'displayName', NULL) ELSE e END
                                 ORDER BY n)
                FROM jsonb_array_elements(data->'entries') WITH ORDINALITY AS x(e, n)))
            WHERE program_id = $1 AND jsonb_typeof(data->'entries') = 'array' AND data->'entries' @> jsonb_build_array(jsonb_build_object('memberId', $2::text))
            """, parameters)
    }

    /// The member's id in the audit log (`$1` program, `$2` id, `$3` pseudonym): in targets under them, and where an
    /// entry's before or after names them.
    private static func clearFromAudit(_ parameters: [String?], on connection: PostgresConnection) throws {
        try connection.query("""
            UPDATE audit_log SET target = 'members/' || $3 || substr(target, length('members/' || $2) + 1)
            WHERE program_id = $1 AND left(target, length('members/' || $2) + 1) = 'members/' || $2 || '/'
            """, parameters)
        for column in ["before", "after"] {
            try connection.query("""
                UPDATE audit_log SET \(column) = jsonb_set(\(column), '{memberId}', to_jsonb($3::text))
                WHERE program_id = $1 AND \(column)->>'memberId' = $2
                """, parameters)
        }
    }

    /// Everything Rally holds on a member, as one JSON document: the profile as stored, the enrolment and audience
    /// histories, every event with what it earned, the ledger, badges (revoked ones too), totals per action, redemptions,
    /// integrity flags and survey answers. A 404 when there is no such member.
    public func export(program: String, memberId: String) async throws -> String {
        let rows: PostgresRows
        rows = try await postgres.query("""
            SELECT jsonb_build_object(
                'memberId', m.member_id, 'displayName', m.display_name, 'team', m.team, 'region', m.region, 'enrolled', m.enrolled,
                'visibility', m.visibility, 'audience', m.audience, 'createdAt', m.created_at, 'updatedAt', m.updated_at,
                'enrolmentHistory', (SELECT coalesce(jsonb_agg(jsonb_build_object('validFrom', h.valid_from, 'enrolled', h.enrolled,
                    'team', h.team, 'region', h.region) ORDER BY h.valid_from), '[]') FROM member_enrolments h
                    WHERE h.program_id = $1 AND h.member_id = $2),
                'audienceHistory', (SELECT coalesce(jsonb_agg(jsonb_build_object('validFrom', h.valid_from, 'audience', h.audience)
                    ORDER BY h.valid_from), '[]') FROM member_audiences h WHERE h.program_id = $1 AND h.member_id = $2),
                'events', (SELECT coalesce(jsonb_agg(jsonb_build_object('eventId', e.event_id, 'action', e.action, 'network', e.network,
                    'contentId', e.content_id, 'occurredAt', e.occurred_at, 'tags', e.tags, 'status', e.status, 'points', e.points,
                    'breakdown', e.breakdown, 'rulesVersion', e.rules_version, 'campaignId', e.campaign_id, 'receivedAt', e.received_at,
                    'retractedAt', e.retracted_at) ORDER BY e.occurred_at, e.event_id), '[]') FROM events e
                    WHERE e.program_id = $1 AND e.member_id = $2),
                'ledger', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id::text, 'eventId', l.event_id, 'kind', l.kind,
                    'action', l.action, 'points', l.points, 'occurredAt', l.occurred_at, 'recordedAt', l.recorded_at) ORDER BY l.id), '[]')
                    FROM ledger l WHERE l.program_id = $1 AND l.member_id = $2),
                'badges', (SELECT coalesce(jsonb_agg(jsonb_build_object('badgeId', b.badge_id, 'tier', nullif(b.tier, ''),
                    'period', nullif(b.period_key, ''), 'awardedAt', b.awarded_at, 'eventId', b.event_id, 'revokedAt', b.revoked_at)
                    ORDER BY b.awarded_at, b.badge_id), '[]') FROM member_badges b WHERE b.program_id = $1 AND b.member_id = $2),
                'actionTotals', (SELECT coalesce(jsonb_agg(jsonb_build_object('action', t.action, 'events', t.events, 'points', t.points,
                    'firstDay', t.first_day) ORDER BY t.action), '[]') FROM member_action_totals t
                    WHERE t.program_id = $1 AND t.member_id = $2),
                'redemptions', (SELECT coalesce(jsonb_agg(jsonb_build_object('redemptionId', r.redemption_id, 'rewardId', r.reward_id,
                    'cost', r.cost, 'status', r.status, 'createdAt', r.created_at, 'updatedAt', r.updated_at) ORDER BY r.created_at, r.redemption_id), '[]')
                    FROM redemptions r WHERE r.program_id = $1 AND r.member_id = $2),
                'flags', (SELECT coalesce(jsonb_agg(jsonb_build_object('flagId', f.flag_id::text, 'rule', f.rule, 'evidence', f.evidence,
                    'eventIds', to_jsonb(f.event_ids), 'heldPoints', f.held_points, 'status', f.status, 'createdAt', f.created_at,
                    'updatedAt', f.updated_at) ORDER BY f.flag_id), '[]') FROM flags f WHERE f.program_id = $1 AND f.member_id = $2),
                'surveyResponses', (SELECT coalesce(jsonb_agg(jsonb_build_object('responseId', s.response_id, 'kind', s.kind,
                    'score', s.score, 'answeredAt', s.answered_at) ORDER BY s.answered_at, s.response_id), '[]') FROM survey_responses s
                    WHERE s.program_id = $1 AND s.member_id = $2)
            )::text AS export
            FROM members m WHERE m.program_id = $1 AND m.member_id = $2
            """, [program, memberId])
        guard let row = rows.first else { throw Self.unknownMember(memberId, program: program) }
        return try row.string("export")
    }

    static func unknownMember(_ memberId: String, program: String) -> RallyError {
        RallyError(.notFound, "member '\(memberId)' does not exist in program '\(program)'")
    }
}
