-- A leaner write path: instead of one total per member and period (day, week, month and all time: four rows per
-- event), one row per member and local day, from which every period's board is derived, plus one lifetime row
-- per member that also numbers the member's commits (the order in which Redis must apply them).

-- Points per member and local day (the program's time zone), and when the day's total was reached.
CREATE TABLE member_days (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    day         date NOT NULL,
    points      bigint NOT NULL,
    reached_at  timestamptz NOT NULL,
    PRIMARY KEY (program_id, member_id, day)
) WITH (fillfactor = 70); -- room for HOT updates: a day's total changes all day, its indexed columns never do
-- No other index: every read names its members (the primary key), and each index would cost every event a write.

-- Lifetime points per member, when they were reached, and `revision`: one more for every commit that changed them.
CREATE TABLE member_totals (
    program_id  text NOT NULL,
    member_id   text NOT NULL,
    points      bigint NOT NULL,
    revision    bigint NOT NULL,
    reached_at  timestamptz NOT NULL,
    PRIMARY KEY (program_id, member_id)
) WITH (fillfactor = 70);

INSERT INTO member_days (program_id, member_id, day, points, reached_at)
SELECT program_id, member_id, period::date, points, reached_at FROM period_totals WHERE period ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

INSERT INTO member_totals (program_id, member_id, points, revision, reached_at)
SELECT program_id, member_id, points, 1, reached_at FROM period_totals WHERE period = 'all';

DROP TABLE period_totals;
