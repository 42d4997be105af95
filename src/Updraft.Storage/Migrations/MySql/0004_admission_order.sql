-- Admission reads scheduled task instances in priority order with a limit: this index serves that order directly,
-- so a pass reads the first candidates instead of sorting every scheduled row. It also serves every lookup by state,
-- so the index on state alone goes: with both, a planner working from stale statistics (a table that just filled)
-- picks the smaller one and sorts thousands of rows to return a few.
-- MySQL/MariaDB: naming the key columns would exceed InnoDB's 3,072-byte index limit. InnoDB appends the primary key
-- (dag_id, run_id, task_id, map_index) to every secondary index, so the entries are in PostgreSQL's order, but the
-- optimizers count appended columns only within 3,072 bytes (here up to run_id): the full ORDER BY still sorts the
-- scheduled entries of this index (covering when only key columns are selected). MariaDB < 10.8 ignores DESC.
CREATE INDEX task_instance_admission ON task_instance (state, priority_weight DESC);
DROP INDEX task_instance_state ON task_instance;
