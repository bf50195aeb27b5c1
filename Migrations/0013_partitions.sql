-- History that grows without slowing down (several instances). `events` is hash-partitioned by program: 16 partitions,
-- each program's events in one, an event id unique within its program as before (partitioning by time would let the
-- same id dated in another month in twice). The `ledger` is range-partitioned by the month it was recorded in, so that
-- an old month can be detached (`ALTER TABLE ledger DETACH PARTITION ledger_2026_01 CONCURRENTLY`) and archived; the
-- scheduler creates the months ahead (`LedgerPartitions`), and there is no default partition (one would forbid
-- detaching concurrently). On an existing database the rows are copied within this migration's transaction, which
-- holds both tables exclusively meanwhile: ingestion waits (BENCHMARKS.md states the time at 10,000,000 events).
ALTER TABLE events RENAME TO events_before_partitioning;
ALTER TABLE events_before_partitioning RENAME CONSTRAINT events_pkey TO events_before_partitioning_pkey;
CREATE TABLE events (LIKE events_before_partitioning INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE,
                     PRIMARY KEY (program_id, event_id))
    PARTITION BY HASH (program_id);
DO $$
BEGIN
    FOR r IN 0..15 LOOP
        EXECUTE format('CREATE TABLE events_%s PARTITION OF events FOR VALUES WITH (MODULUS 16, REMAINDER %s)', r, r);
    END LOOP;
END $$;
INSERT INTO events SELECT * FROM events_before_partitioning;
DROP TABLE events_before_partitioning;
ANALYZE events;

ALTER TABLE ledger RENAME TO ledger_before_partitioning;
ALTER TABLE ledger_before_partitioning RENAME CONSTRAINT ledger_pkey TO ledger_before_partitioning_pkey;
ALTER INDEX ledger_member RENAME TO ledger_before_partitioning_member;
CREATE TABLE ledger (LIKE ledger_before_partitioning INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING STORAGE,
                     PRIMARY KEY (id, recorded_at))
    PARTITION BY RANGE (recorded_at);
CREATE INDEX ledger_member ON ledger (program_id, member_id, id DESC);
-- A partition for every month from the first one recorded to three months from now.
DO $$
DECLARE
    month date := date_trunc('month', coalesce((SELECT min(recorded_at) FROM ledger_before_partitioning), now()) AT TIME ZONE 'UTC')::date;
BEGIN
    WHILE month <= (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months')::date LOOP
        EXECUTE format('CREATE TABLE ledger_%s PARTITION OF ledger FOR VALUES FROM (%L) TO (%L)',
                       to_char(month, 'YYYY_MM'), month::timestamp AT TIME ZONE 'UTC', (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        month := (month + interval '1 month')::date;
    END LOOP;
END $$;
INSERT INTO ledger OVERRIDING SYSTEM VALUE SELECT * FROM ledger_before_partitioning;
SELECT setval(pg_get_serial_sequence('ledger', 'id'), coalesce((SELECT max(id) FROM ledger_before_partitioning), 0) + 1, false);
DROP TABLE ledger_before_partitioning;
ANALYZE ledger;
