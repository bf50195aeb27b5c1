-- PostgreSQL alone doing what one EventWriter group commit does for 500 events of today (the writer's
-- statements, with the arrays generated server-side: events, ledger, the members' days and lifetime totals,
-- then the week, month and lifetime points the answers show): the ceiling PostgreSQL puts on ingestion.
-- Run by Benchmarks/pgbench/run against the rally_bench database, members m1..m10000 of program 'pgbench'.
\set base random(1, 1000000000)
BEGIN;
SELECT m.member_id, m.enrolled, m.visibility FROM generate_series(1, 500) g
  JOIN members m ON m.program_id = 'pgbench' AND m.member_id = 'm' || (1 + (:base + g * 7919) % 10000);
SELECT e.event_id FROM generate_series(1, 500) g
  JOIN events e ON e.program_id = 'pgbench' AND e.event_id = :client_id || '-' || :base || '-' || g;
INSERT INTO events (program_id, event_id, member_id, action, network, content_id, occurred_at, tags, status, points, breakdown, received_at)
SELECT 'pgbench', :client_id || '-' || :base || '-' || g, 'm' || (1 + (:base + g * 7919) % 10000), 'share', 'linkedin', NULL, now(),
       '[]'::jsonb, 'awarded', 10, '[{"rule":"actions.share","points":10}]'::jsonb, now()
FROM generate_series(1, 500) g
ON CONFLICT (program_id, event_id) DO NOTHING;
INSERT INTO ledger (program_id, member_id, event_id, kind, action, points, occurred_at, recorded_at)
SELECT 'pgbench', 'm' || (1 + (:base + g * 7919) % 10000), :client_id || '-' || :base || '-' || g, 'award', 'share', 10, now(), now()
FROM generate_series(1, 500) g;
INSERT INTO member_days AS d (program_id, member_id, day, points, reached_at)
SELECT 'pgbench', m, current_date, sum(10), now()
FROM (SELECT 'm' || (1 + (:base + g * 7919) % 10000) AS m FROM generate_series(1, 500) g) e
GROUP BY m ORDER BY m
ON CONFLICT (program_id, member_id, day) DO UPDATE SET points = d.points + EXCLUDED.points, reached_at = greatest(d.reached_at, EXCLUDED.reached_at);
INSERT INTO member_totals AS t (program_id, member_id, points, revision, reached_at)
SELECT 'pgbench', m, sum(10), 1, now()
FROM (SELECT 'm' || (1 + (:base + g * 7919) % 10000) AS m FROM generate_series(1, 500) g) e
GROUP BY m ORDER BY m
ON CONFLICT (program_id, member_id) DO UPDATE SET points = t.points + EXCLUDED.points, revision = t.revision + 1, reached_at = greatest(t.reached_at, EXCLUDED.reached_at)
RETURNING member_id, revision;
SELECT u.member_id, t.points, d.week, d.month
FROM (SELECT DISTINCT 'm' || (1 + (:base + g * 7919) % 10000) AS member_id FROM generate_series(1, 500) g) u
LEFT JOIN member_totals t ON t.program_id = 'pgbench' AND t.member_id = u.member_id
LEFT JOIN LATERAL (
  SELECT sum(points) FILTER (WHERE day >= date_trunc('week', now())::date) AS week,
         sum(points) FILTER (WHERE day >= date_trunc('month', now())::date) AS month
  FROM member_days WHERE program_id = 'pgbench' AND member_id = u.member_id AND day >= least(date_trunc('week', now()), date_trunc('month', now()))::date
) d ON true;
COMMIT;
