import Foundation
import Postgres
import RallyCore
import RallyStorage

/// One period's participation under every grouping: the whole program (under nil, group nil), per team and per region.
struct ParticipationByGrouping: Sendable {
    var figures: [AnalyticsGrouping?: [String?: ParticipationFigures]] = [:]

    /// The whole program's figures.
    var total: ParticipationFigures { figures[nil]?[nil] ?? ParticipationFigures() }

    /// The figures as PostgreSQL keeps them (`AnalyticsStore.recordColumns`): a record per grouping and group with its
    /// members, and one per grouping, group and action with its events.
    var records: JSONValue {
        var records: [JSONValue] = []
        for (grouping, groups) in figures {
            for (group, counted) in groups {
                let names: [String: JSONValue] = ["grouping": grouping.map { .string($0.rawValue) } ?? .null, "grp": group.map { .string($0) } ?? .null]
                records.append(.object(names.merging(["enrolled": .integer(Int64(counted.enrolled)), "active": .integer(Int64(counted.active)),
                                                      "newly_active": .integer(Int64(counted.newlyActive))]) { $1 }))
                for (action, events) in counted.actions {
                    records.append(.object(names.merging(["action": .string(action), "events": .integer(events)]) { $1 }))
                }
            }
        }
        return .array(records)
    }
}

extension AnalyticsStore {
    /// How long after a period ended its figures are first kept in PostgreSQL: longer than any commit that began
    /// before its end (and so saw its last day as today, counting no late change) can take.
    static var keepingDelay: TimeInterval { 600 }

    /// Participation in each period, overall and per group. A member counts in a period when the enrolment history has
    /// them enrolled at its end, in the group they were in then; they are active when they did one of the program's
    /// qualifying actions in it (an event the rules scored, even for 0 points), newly active when their first such
    /// action ever was.
    ///
    /// Counted from `member_activity` (a row per member, local day and action), for every grouping at once. The figures
    /// of a period that ended are kept in `participation_figures` while no late event or retraction changed its months
    /// (`activity_month_changes`): computed once, whichever instance asks. Those of a period under way are kept in memory
    /// for a while (`AnalyticsCache`); a large program's, as the scheduler's leader prepared them, in `prepared_answers`
    /// for every instance.
    /// `recount`: count the periods under way again even when kept, and keep them for every instance when large (what
    /// the preparation does).
    public func participation(program: ProgramContext, periods: [AnalyticsPeriod], grouping: AnalyticsGrouping?, now: Date = Date(),
                              recount: Bool = false) async throws -> [ParticipationPeriod]
    {
        let ended = periods.filter { ($0.period.end ?? .distantFuture) <= now }
        let open = periods.filter { ($0.period.end ?? .distantFuture) > now }
        var found: [String: ParticipationByGrouping] = [:]
        if !ended.isEmpty {
            found = try await keptFigures(program: program, periods: ended)
            let missing = ended.filter { found[Self.reference($0)] == nil }
            if !missing.isEmpty {
                found.merge(try await compute(program: program, periods: missing, membersAsOfPeriodEnd: true,
                                              keepingEndedBefore: now.addingTimeInterval(-Self.keepingDelay))) { $1 }
            }
        }
        found.merge(try await openFigures(program: program, periods: open, recount: recount)) { $1 }
        return periods.map { period in
            let figures = found[Self.reference(period)] ?? ParticipationByGrouping()
            let groups = grouping.map { (figures.figures[$0] ?? [:]).sortedByGroup().map { ($0.group, $0.value) } } ?? []
            return ParticipationPeriod(period: period, total: figures.total, groups: groups)
        }
    }

    /// Prepares a program's default questions (`AnalyticsPreparation`, on the scheduler's leader): participation, then
    /// satisfaction.
    public func prepare(program: ProgramContext, now: Date = Date()) async throws {
        try await prepareParticipation(program: program, now: now)
        try await prepareSatisfaction(program: program, now: now)
    }

    /// Computes what is missing of a program's default questions (twelve periods up to today of each granularity) so
    /// that HR's first look costs no wait: ended periods are kept in PostgreSQL; the month and week under way are
    /// counted again, and a large program's are kept until the next preparation (in `prepared_answers` for every
    /// instance, and in this one's memory).
    public func prepareParticipation(program: ProgramContext, now: Date = Date()) async throws {
        let today = program.calendar.localDate(of: now)
        var open: [AnalyticsPeriod] = []
        for granularity in AnalyticsGranularity.allCases {
            guard case let .success(range) = AnalyticsRange.parse(from: nil, to: nil, granularity: granularity, today: today) else { continue }
            let periods = range.periods(granularity, calendar: program.calendar)
            let ended = periods.filter { ($0.period.end ?? .distantFuture) <= now }
            _ = try await participation(program: program, periods: ended, grouping: nil, now: now)
            if granularity == .month || granularity == .week { open += periods.filter { ($0.period.end ?? .distantFuture) > now } }
        }
        // Last, so that what is kept of them in memory lasts until the next preparation.
        _ = try await participation(program: program, periods: open, grouping: nil, now: now, recount: true)
    }

    /// How a period is named in SQL and in `participation_figures`: its kind and key (`month:2026-11`).
    private static func reference(_ period: AnalyticsPeriod) -> String {
        "\(period.period.kind.rawValue):\(period.period.key)"
    }

    /// The figures kept of `periods` (all ended) that are still good: counted with today's qualifying actions, and no
    /// late change to their months since.
    private func keptFigures(program: ProgramContext, periods: [AnalyticsPeriod]) async throws -> [String: ParticipationByGrouping] {
        let rows = try await report("""
            SELECT f.period AS key, x.*
            FROM participation_figures f
            LEFT JOIN LATERAL jsonb_to_recordset(f.figures) AS x(\(Self.recordColumns)) ON true
            WHERE f.program_id = $1 AND f.period = ANY($2::text[]) AND f.qualifying = $3::text[]
                AND f.changes = (SELECT coalesce(sum(c.changes), 0) FROM activity_month_changes c
                                 WHERE c.program_id = $1 AND c.month BETWEEN date_trunc('month', f.first_day)::date AND f.last_day)
            """, [program.id, PostgresArray.literal(periods.map(Self.reference)), PostgresArray.literal(program.settings.qualifyingActions)])
        return try Self.figures(rows)
    }

    /// The figures of periods under way, from memory, as prepared (`prepared_answers`), or computed (members as they
    /// are now); with `recount`, computed, and kept for every instance when large.
    private func openFigures(program: ProgramContext, periods: [AnalyticsPeriod], recount: Bool) async throws -> [String: ParticipationByGrouping] {
        guard !periods.isEmpty else { return [:] }
        let generations = activity.generations(of: program.id)
        let qualifying = program.settings.qualifyingActions.joined(separator: ",")
        func key(_ period: AnalyticsPeriod) -> AnalyticsCache<ParticipationByGrouping>.Key {
            .init(program: program.id, question: "participation \(Self.reference(period)) \(qualifying)")
        }
        var found: [String: ParticipationByGrouping] = [:]
        var missing: [AnalyticsPeriod] = []
        for period in periods {
            if !recount, let kept = participations.value(for: key(period), ended: false, months: [], generations: generations) {
                found[Self.reference(period)] = kept
            } else {
                missing.append(period)
            }
        }
        if !recount, !missing.isEmpty {
            let prepared = try await preparedFigures(program: program, questions: missing.map { key($0).question })
            missing.removeAll { period in
                guard let (figures, lifetime) = prepared[key(period).question] else { return false }
                found[Self.reference(period)] = figures
                participations.storePrepared(figures, for: key(period), generations: generations, lifetime: lifetime)
                return true
            }
        }
        guard !missing.isEmpty else { return found }
        let started = ContinuousClock.now
        let computed = try await compute(program: program, periods: missing, membersAsOfPeriodEnd: false, keepingEndedBefore: nil)
        let cost = (ContinuousClock.now - started) / missing.count
        var prepared: [PreparedAnswer] = []
        for period in missing {
            let figures = computed[Self.reference(period)] ?? ParticipationByGrouping()
            found[Self.reference(period)] = figures
            participations.store(figures, for: key(period), ended: false, generations: generations, cost: cost, size: figures.total.enrolled)
            if recount, figures.total.enrolled >= participations.large {
                prepared.append(PreparedAnswer(program: program.id, question: key(period).question, answer: figures.records))
            }
        }
        try await keepPrepared(prepared)
        return found
    }

    /// The figures of `periods` (all ended, or all under way) under every grouping. Members of a period that ended
    /// come from the enrolment history as of its end; of a period under way, from the members as they are now. The
    /// figures of periods that ended before `keepingEndedBefore` are kept in `participation_figures` by the same
    /// statement, with the late changes to their months it saw: what it counted and what it records come from one
    /// snapshot, so a late event committed meanwhile outdates them.
    private func compute(program: ProgramContext, periods: [AnalyticsPeriod], membersAsOfPeriodEnd: Bool, keepingEndedBefore: Date?) async throws
        -> [String: ParticipationByGrouping]
    {
        let members = membersAsOfPeriodEnd
            ? """
              SELECT p.key, p.first_day, p.last_day, m.member_id, m.team, m.region
              FROM periods p JOIN (
                  SELECT member_id, enrolled, team, region, valid_from,
                         lead(valid_from) OVER (PARTITION BY member_id ORDER BY valid_from) AS valid_to
                  FROM member_enrolments WHERE program_id = $1) m
                ON m.valid_from < p.end_at AND (m.valid_to IS NULL OR m.valid_to >= p.end_at)
              WHERE m.enrolled
              """
            : "SELECT p.key, p.first_day, p.last_day, m.member_id, m.team, m.region FROM periods p, members m WHERE m.program_id = $1 AND m.enrolled"
        // Which grouping a row of `GROUPING SETS ((key), (key, team), (key, region))` belongs to, and its group.
        let grouping = "CASE WHEN GROUPING(c.team) = 0 THEN 'team' WHEN GROUPING(c.region) = 0 THEN 'region' END"
        let group = "CASE WHEN GROUPING(c.team) = 0 THEN c.team WHEN GROUPING(c.region) = 0 THEN c.region END"
        let keeping = keepingEndedBefore.map { _ in
            """
            , kept AS (
                INSERT INTO participation_figures AS f (program_id, period, first_day, last_day, qualifying, changes, figures)
                SELECT $1, p.key, p.first_day, p.last_day, $6::text[],
                       (SELECT coalesce(sum(c.changes), 0) FROM activity_month_changes c
                        WHERE c.program_id = $1 AND c.month BETWEEN date_trunc('month', p.first_day)::date AND p.last_day),
                       coalesce((SELECT jsonb_agg(to_jsonb(r) - 'key') FROM figures r WHERE r.key = p.key), '[]')
                FROM periods p WHERE p.end_at <= $7::timestamptz
                ON CONFLICT (program_id, period) DO UPDATE
                    SET first_day = excluded.first_day, last_day = excluded.last_day, qualifying = excluded.qualifying,
                        changes = excluded.changes, figures = excluded.figures, computed_at = now()
                    WHERE f.changes <= excluded.changes
            )
            """
        } ?? ""
        let rows = try await report("""
            WITH periods AS (
                SELECT * FROM unnest($2::text[], $3::date[], $4::date[], $5::timestamptz[]) AS p(key, first_day, last_day, end_at)
            ), counted AS (
                \(members)
            ), activity AS (
                SELECT c.key, a.member_id, a.action, sum(a.events) AS events
                FROM counted c JOIN member_activity a
                    ON a.program_id = $1 AND a.member_id = c.member_id AND a.day BETWEEN c.first_day AND c.last_day
                WHERE a.events > 0 GROUP BY 1, 2, 3
            ), counted_activity AS (
                SELECT c.key, c.team, c.region, a.member_id, a.action, a.events FROM counted c JOIN activity a USING (key, member_id)
            ), qualified AS (
                SELECT DISTINCT key, member_id FROM counted_activity WHERE action = ANY($6::text[])
            ), first_active AS (
                SELECT t.member_id, min(t.first_day) AS first_day FROM member_action_totals t
                WHERE t.program_id = $1 AND t.action = ANY($6::text[]) AND t.events > 0
                    AND t.member_id IN (SELECT member_id FROM qualified)
                GROUP BY 1
            ), figures AS (
                SELECT c.key, \(grouping) AS grouping, \(group) AS grp, count(*)::int AS enrolled, count(q.member_id)::int AS active,
                       (count(q.member_id) FILTER (WHERE f.first_day BETWEEN c.first_day AND c.last_day))::int AS newly_active,
                       NULL::text AS action, NULL::bigint AS events
                FROM counted c LEFT JOIN qualified q USING (key, member_id) LEFT JOIN first_active f USING (member_id)
                GROUP BY GROUPING SETS ((c.key), (c.key, c.team), (c.key, c.region))
                UNION ALL
                SELECT c.key, \(grouping), \(group), NULL, NULL, NULL, c.action, sum(c.events)::bigint
                FROM counted_activity c
                GROUP BY GROUPING SETS ((c.key, c.action), (c.key, c.team, c.action), (c.key, c.region, c.action))
            )\(keeping)
            SELECT * FROM figures
            """, [
                program.id,
                PostgresArray.literal(periods.map(Self.reference)),
                PostgresArray.literal(periods.map { PeriodCalendar.dayKey($0.firstDay) }),
                PostgresArray.literal(periods.map { PeriodCalendar.dayKey($0.lastDay) }),
                PostgresArray.literal(periods.map { PostgresTimestamp.string(from: $0.period.end ?? Date.distantFuture) }),
                PostgresArray.literal(program.settings.qualifyingActions),
            ] + (keepingEndedBefore.map { [PostgresTimestamp.string(from: $0)] } ?? []), writing: keepingEndedBefore != nil)
        var figures = try Self.figures(rows)
        for period in periods where figures[Self.reference(period)] == nil { figures[Self.reference(period)] = ParticipationByGrouping() }
        return figures
    }

    /// The figures of periods under way prepared under `questions` (of large programs) and still good, with the
    /// lifetime each has left, by question.
    private func preparedFigures(program: ProgramContext, questions: [String]) async throws
        -> [String: (figures: ParticipationByGrouping, lifetime: Duration)]
    {
        let rows = try await preparedRecords(program: program.id, questions: questions, as: Self.recordColumns)
        let lifetimes = try Self.lifetimes(rows)
        return try Self.figures(rows).reduce(into: [:]) { prepared, question in
            prepared[question.key] = lifetimes[question.key].map { (question.value, $0) }
        }
    }

    /// The columns of the records `ParticipationByGrouping.records` writes, as `jsonb_to_recordset` reads them.
    static let recordColumns = "grouping text, grp text, enrolled int, active int, newly_active int, action text, events bigint"

    /// Figures from rows of (key, grouping, grp, and either enrolled, active and newly_active, or an action and its
    /// events); a key whose other columns are all null stands for a period without members.
    private static func figures(_ rows: PostgresRows) throws -> [String: ParticipationByGrouping] {
        var figures: [String: ParticipationByGrouping] = [:]
        for row in rows {
            let key = try row.string("key")
            var period = figures[key] ?? ParticipationByGrouping()
            defer { figures[key] = period }
            let grouping = try row.optionalString("grouping").map { text in
                guard let grouping = AnalyticsGrouping(rawValue: text) else {
                    throw RallyError(.internalError, "participation figures of '\(key)' have an unknown grouping")
                }
                return grouping
            }
            let group = row.optionalString("grp")
            if let action = row.optionalString("action") {
                period.figures[grouping, default: [:]][group, default: ParticipationFigures()].actions[action] = try row.int64("events")
            } else if row.optionalString("enrolled") != nil {
                period.figures[grouping, default: [:]][group, default: ParticipationFigures()].enrolled = try row.int("enrolled")
                period.figures[grouping, default: [:]][group, default: ParticipationFigures()].active = try row.int("active")
                period.figures[grouping, default: [:]][group, default: ParticipationFigures()].newlyActive = try row.int("newly_active")
            }
        }
        return figures
    }
}
