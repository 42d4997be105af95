-- When a run missed its DAG's deadline and the deadline callback was asked for (null: not missed, or no deadline).
-- Set once, guarded, so the callback is asked for exactly once however many schedulers look.
ALTER TABLE dag_run ADD COLUMN deadline_missed_at BIGINT;
