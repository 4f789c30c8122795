-- Fair queues (issue 13): every task belongs to a queue with slots of its own (campaigns,
-- file analysis, mail, housekeeping), so one kind of work cannot starve another, and carries
-- the account it works for, so a claim can take accounts in turn and hold each to its cap.
ALTER TABLE tasks ADD COLUMN queue TEXT NOT NULL DEFAULT 'background';
ALTER TABLE tasks ADD COLUMN account_id TEXT;

UPDATE tasks SET queue = 'campaigns',
    account_id = (SELECT account_id FROM campaign_jobs WHERE campaign_jobs.id = (tasks.payload::jsonb ->> 'job_id'))
    WHERE kind = 'campaign';
UPDATE tasks SET queue = 'files',
    account_id = (SELECT account_id FROM files WHERE files.id = (tasks.payload::jsonb ->> 'file_id'))
    WHERE kind = 'file_analysis';
UPDATE tasks SET queue = 'mail' WHERE kind = 'send_mail';

CREATE INDEX tasks_queue_runnable_idx ON tasks (queue, status, run_at);
CREATE INDEX tasks_queue_account_idx ON tasks (queue, account_id, status);
