-- Admission reads scheduled task instances in priority order with a limit: this index serves that order directly,
-- so a pass reads the first candidates instead of sorting every scheduled row. It also serves every lookup by state,
-- so the index on state alone goes: with both, a planner working from stale statistics (a table that just filled)
-- picks the smaller one and sorts thousands of rows to return a few.
CREATE INDEX task_instance_admission ON task_instance (state, priority_weight DESC, dag_id, run_id, task_id, map_index);
DROP INDEX task_instance_state;
