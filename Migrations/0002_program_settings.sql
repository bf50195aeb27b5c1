-- How far back (days) and ahead (minutes) of Rally's clock an event's occurredAt may lie, per program.
ALTER TABLE programs
    ADD COLUMN backfill_days integer NOT NULL DEFAULT 366 CHECK (backfill_days BETWEEN 1 AND 3660),
    ADD COLUMN clock_skew_minutes integer NOT NULL DEFAULT 60 CHECK (clock_skew_minutes BETWEEN 0 AND 1440);
