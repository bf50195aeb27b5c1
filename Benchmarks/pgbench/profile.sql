-- A member's profile as MemberStore reads it (ProfileRead, without streak badges), for a random member of the
-- million-member program (Benchmarks/million). Benchmarks/pgbench/profile runs it.
\set n random(1, 1000000)
SELECT m.display_name, m.team, m.region, m.enrolled, m.visibility, m.audience::text AS audience,
       t.points AS lifetime, d.week, d.month,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('badgeId', a.badge_id, 'tier', nullif(a.tier, ''), 'name', b.document->>'name',
                                                      'awardedAt', extract(epoch FROM a.awarded_at), 'eventId', a.event_id,
                                                      'period', nullif(a.period_key, '')) ORDER BY a.awarded_at, a.badge_id, a.tier), '[]')::text
        FROM member_badges a JOIN badges b ON b.program_id = a.program_id AND b.badge_id = a.badge_id
        WHERE a.program_id = 'million' AND a.member_id = 'm' || :n AND a.revoked_at IS NULL) AS badges,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(day, action)), '[]')::text FROM member_activity
                WHERE false AND program_id = 'million' AND member_id = 'm' || :n AND events > 0) AS days,
       coalesce((SELECT spent FROM member_balances WHERE program_id = 'million' AND member_id = 'm' || :n), 0) AS spent
FROM members m
LEFT JOIN member_totals t ON t.program_id = 'million' AND t.member_id = 'm' || :n
LEFT JOIN LATERAL (
    SELECT sum(points) FILTER (WHERE day >= '2026-12-07'::date AND day < '2026-12-14'::date) AS week,
           sum(points) FILTER (WHERE day >= '2026-12-01'::date AND day < '2027-01-01'::date) AS month
    FROM member_days
    WHERE program_id = 'million' AND member_id = 'm' || :n AND day >= '2026-12-01'::date AND day < '2027-01-01'::date
) d ON true
WHERE m.program_id = 'million' AND m.member_id = 'm' || :n;
