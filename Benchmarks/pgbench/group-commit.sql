-- PostgreSQL alone doing what one EventWriter group commit does for 500 events of today (the writer's
-- statements, with the arrays generated server-side; the totals come back from the upsert, so no read
-- follows it): the ceiling PostgreSQL puts on ingestion for this schema.
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
INSERT INTO period_totals AS t (program_id, member_id, period, points, reached_at)
SELECT 'pgbench', m, p, sum(10), now()
FROM (SELECT 'm' || (1 + (:base + g * 7919) % 10000) AS m FROM generate_series(1, 500) g) e,
     unnest(ARRAY[to_char(now(), 'YYYY-MM-DD'), to_char(now(), 'IYYY-"W"IW'), to_char(now(), 'YYYY-MM'), 'all']) p
GROUP BY m, p
ON CONFLICT (program_id, member_id, period) DO UPDATE SET points = t.points + EXCLUDED.points, reached_at = EXCLUDED.reached_at
RETURNING member_id, period, points, extract(epoch FROM reached_at);
COMMIT;
