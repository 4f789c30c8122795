-- Jobs API as the seed writes it: the worker that holds (or last held) a campaign job, and the
-- seed's phase name `acquiring` for what was stored as `acquisition`.
ALTER TABLE campaign_jobs ADD COLUMN worker_id TEXT;
UPDATE campaign_jobs SET phase = 'acquiring' WHERE phase = 'acquisition';
