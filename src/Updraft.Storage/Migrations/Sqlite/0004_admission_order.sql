-- Admission reads scheduled task instances in priority order with a limit: this index serves that order directly,
-- so a pass reads the first candidates instead of sorting every scheduled row.
CREATE INDEX task_instance_admission ON task_instance (state, priority_weight DESC, dag_id, run_id, task_id, map_index);
