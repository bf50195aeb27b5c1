import Foundation
import Postgres
import RallyCore

extension AnalyticsStore {
    /// Participation in each period, overall and per group. A member counts in a period when the enrolment history has
    /// them enrolled at its end, in the group they were in then; they are active when they did one of the program's
    /// qualifying actions in it (an event the rules scored, even for 0 points), newly active when their first such
    /// action ever was.
    ///
    /// Computed from `member_activity` (a row per member, local day and action); what was computed is kept for a while
    /// (`AnalyticsCache`), per period.
    public func participation(program: ProgramContext, periods: [AnalyticsPeriod], grouping: AnalyticsGrouping?, now: Date = Date()) async throws
        -> [ParticipationPeriod]
    {
        let generations = activity.generations(of: program.id)
        let qualifying = program.settings.qualifyingActions.joined(separator: ",")
        // A period computed while under way is computed again once it ended (from the history as of its end).
        func key(_ period: AnalyticsPeriod, ended: Bool) -> AnalyticsCache<[String?: ParticipationFigures]>.Key {
            .init(program: program.id,
                  question: "participation \(period.period.kind.rawValue):\(period.period.key) \(grouping?.rawValue ?? "") \(qualifying) \(ended ? "ended" : "open")")
        }
        var figures: [String: [String?: ParticipationFigures]] = [:]
        var missing: (ended: [AnalyticsPeriod], open: [AnalyticsPeriod]) = ([], [])
        for period in periods {
            let ended = (period.period.end ?? .distantFuture) <= now
            let months = AnalyticsRange(from: period.firstDay, to: period.lastDay).monthIndices
            if let value = participations.value(for: key(period, ended: ended), ended: ended, months: months, generations: generations) {
                figures[period.period.key] = value
            } else if ended {
                missing.ended.append(period)
            } else {
                missing.open.append(period)
            }
        }
        for (group, ended) in [(missing.ended, true), (missing.open, false)] where !group.isEmpty {
            let started = ContinuousClock.now
            let computed: [String: [String?: ParticipationFigures]]
            do {
                computed = try await compute(program: program, periods: group, grouping: grouping, membersAsOfPeriodEnd: ended)
            } catch {
                throw RallyError.storage(error)
            }
            let cost = (ContinuousClock.now - started) / group.count
            for period in group {
                let value = computed[period.period.key] ?? [:]
                figures[period.period.key] = value
                participations.store(value, for: key(period, ended: ended), ended: ended, generations: generations, cost: cost,
                                     size: value.values.reduce(0) { $0 + $1.enrolled })
            }
        }
        return periods.map { period in
            let groups = (figures[period.period.key] ?? [:]).sortedByGroup()
            var total = ParticipationFigures()
            for (_, found) in groups { total.add(found) }
            return ParticipationPeriod(period: period, total: total, groups: grouping == nil ? [] : groups.map { ($0.group, $0.value) })
        }
    }

    /// The figures of `periods` (all ended, or all under way) per group. Members of a period that ended come from the
    /// enrolment history as of its end; of a period under way, from the members as they are now.
    private func compute(program: ProgramContext, periods: [AnalyticsPeriod], grouping: AnalyticsGrouping?, membersAsOfPeriodEnd: Bool) async throws
        -> [String: [String?: ParticipationFigures]]
    {
        let group = grouping.map { "m.\($0.rawValue)" } ?? "NULL::text"
        let members = membersAsOfPeriodEnd
            ? """
              SELECT p.key, p.first_day, p.last_day, m.member_id, \(group) AS grp
              FROM periods p JOIN (
                  SELECT member_id, enrolled, team, region, valid_from,
                         lead(valid_from) OVER (PARTITION BY member_id ORDER BY valid_from) AS valid_to
                  FROM member_enrolments WHERE program_id = $1) m
                ON m.valid_from < p.end_at AND (m.valid_to IS NULL OR m.valid_to >= p.end_at)
              WHERE m.enrolled
              """
            : "SELECT p.key, p.first_day, p.last_day, m.member_id, \(group) AS grp FROM periods p, members m WHERE m.program_id = $1 AND m.enrolled"
        let activity = """
            SELECT c.key, a.member_id, a.action, sum(a.events) AS events
            FROM counted c JOIN member_activity a ON a.program_id = $1 AND a.member_id = c.member_id AND a.day BETWEEN c.first_day AND c.last_day
            WHERE a.events > 0 GROUP BY 1, 2, 3
            """
        let rows = try await report("""
            WITH periods AS (
                SELECT * FROM unnest($2::text[], $3::date[], $4::date[], $5::timestamptz[]) AS p(key, first_day, last_day, end_at)
            ), counted AS (
                \(members)
            ), activity AS (
                \(activity)
            ), counted_activity AS (
                SELECT c.key, c.grp, a.member_id, a.action, a.events FROM counted c JOIN activity a USING (key, member_id)
            ), qualified AS (
                SELECT DISTINCT key, member_id FROM counted_activity WHERE action = ANY($6::text[])
            ), first_active AS (
                SELECT t.member_id, min(t.first_day) AS first_day FROM member_action_totals t
                WHERE t.program_id = $1 AND t.action = ANY($6::text[]) AND t.events > 0
                    AND t.member_id IN (SELECT member_id FROM qualified)
                GROUP BY 1
            )
            SELECT c.key, c.grp, count(*) AS enrolled, count(q.member_id) AS active,
                   count(q.member_id) FILTER (WHERE f.first_day BETWEEN c.first_day AND c.last_day) AS newly_active,
                   NULL AS action, NULL AS events
            FROM counted c LEFT JOIN qualified q USING (key, member_id) LEFT JOIN first_active f USING (member_id)
            GROUP BY c.key, c.grp
            UNION ALL
            SELECT key, grp, NULL, NULL, NULL, action, sum(events) FROM counted_activity GROUP BY key, grp, action
            """, [
                program.id,
                PostgresArray.literal(periods.map(\.period.key)),
                PostgresArray.literal(periods.map { PeriodCalendar.dayKey($0.firstDay) }),
                PostgresArray.literal(periods.map { PeriodCalendar.dayKey($0.lastDay) }),
                PostgresArray.literal(periods.map { PostgresTimestamp.string(from: $0.period.end ?? Date.distantFuture) }),
                PostgresArray.literal(program.settings.qualifyingActions),
            ])
        var figures: [String: [String?: ParticipationFigures]] = [:]
        for row in rows {
            let key = try row.string("key")
            let group = row.optionalString("grp")
            if let action = row.optionalString("action") {
                figures[key, default: [:]][group, default: ParticipationFigures()].actions[action] = try row.int64("events")
            } else {
                figures[key, default: [:]][group, default: ParticipationFigures()].enrolled = try row.int("enrolled")
                figures[key, default: [:]][group, default: ParticipationFigures()].active = try row.int("active")
                figures[key, default: [:]][group, default: ParticipationFigures()].newlyActive = try row.int("newly_active")
            }
        }
        return figures
    }
}

