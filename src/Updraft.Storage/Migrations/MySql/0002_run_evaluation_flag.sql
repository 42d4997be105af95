-- Runs whose task instances changed since the scheduler last looked at them; the scheduler evaluates only these.
ALTER TABLE dag_run ADD COLUMN needs_evaluation INT NOT NULL DEFAULT 1;
CREATE INDEX dag_run_needs_evaluation ON dag_run (needs_evaluation, state);
CREATE INDEX task_instance_retry ON task_instance (state, next_retry_at);
