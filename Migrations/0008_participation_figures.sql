-- Participation figures of periods that ended, computed once and kept: a year of a large program's history takes
-- seconds to count, and what it says changes only when an event or a retraction lands on a day already over.

-- How many times events or retractions changed a program's activity on days already over, per local month (its first
-- day). The writer counts them in the transaction that makes the change.
CREATE TABLE activity_month_changes (
    program_id  text NOT NULL REFERENCES programs ON DELETE CASCADE,
    month       date NOT NULL,
    changes     bigint NOT NULL,
    PRIMARY KEY (program_id, month)
);

-- A period's figures for every grouping at once (rows of grouping, group, enrolled, active, newly active, or an
-- action and its events), as counted with `qualifying` actions when the months it covers had seen `changes` late
-- changes in all: good while both are still so.
CREATE TABLE participation_figures (
    program_id  text NOT NULL REFERENCES programs ON DELETE CASCADE,
    period      text NOT NULL,
    first_day   date NOT NULL,
    last_day    date NOT NULL,
    qualifying  text[] NOT NULL,
    changes     bigint NOT NULL,
    figures     jsonb NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, period)
);
