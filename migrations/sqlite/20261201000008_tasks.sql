-- The durable queue's rows are *tasks* (they drive the jobs of /v1/jobs and other background
-- work): the table, its kind column and its indexes take that name.
ALTER TABLE jobs RENAME TO tasks;
ALTER TABLE tasks RENAME COLUMN job_type TO kind;
DROP INDEX jobs_runnable_idx;
DROP INDEX jobs_lease_idx;
CREATE INDEX tasks_runnable_idx ON tasks (status, run_at);
CREATE INDEX tasks_lease_idx ON tasks (status, lease_expires_at);
