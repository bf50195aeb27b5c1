-- Several instances: the scheduler's lease. The instance holding `scheduler` (until `expires_at`, renewed every few
-- seconds) runs the scheduled jobs: period closes and the pruning of boards past keeping; another takes it over once
-- it runs out.
CREATE TABLE leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    expires_at timestamptz NOT NULL
);
