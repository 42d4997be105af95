-- Backfills (Airflow 3's model): a backfill asks for the runs of a DAG between two dates; its runs are created at
-- once, queued, and the scheduler starts them in sort order under the backfill's own max_active_runs. A paused
-- backfill starts none; a DAG has at most one backfill that has not completed (the partial unique index).
CREATE TABLE backfill (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dag_id TEXT NOT NULL,
    from_date BIGINT NOT NULL,
    to_date BIGINT NOT NULL,
    dag_run_conf TEXT NOT NULL,
    is_paused INTEGER NOT NULL DEFAULT 0,
    reprocess_behavior TEXT NOT NULL,
    max_active_runs INTEGER NOT NULL,
    run_backwards INTEGER NOT NULL DEFAULT 0,
    triggering_user_name TEXT,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX backfill_one_active ON backfill (dag_id) WHERE completed_at IS NULL;

-- One row per interval the backfill covers: the run it created or reprocessed, or why it left that date alone.
CREATE TABLE backfill_dag_run (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    backfill_id BIGINT NOT NULL REFERENCES backfill (id) ON DELETE CASCADE,
    dag_run_id BIGINT,
    exception_reason TEXT,
    logical_date BIGINT NOT NULL,
    sort_ordinal INTEGER NOT NULL
);
CREATE INDEX backfill_dag_run_backfill ON backfill_dag_run (backfill_id, sort_ordinal);

ALTER TABLE dag_run ADD COLUMN backfill_id BIGINT;
CREATE INDEX dag_run_backfill ON dag_run (backfill_id);

-- Notes a person leaves on a run or a task instance (Airflow's dag_run_note / task_instance_note), with who wrote them.
ALTER TABLE dag_run ADD COLUMN note TEXT;
ALTER TABLE dag_run ADD COLUMN note_user TEXT;
ALTER TABLE task_instance ADD COLUMN note TEXT;
ALTER TABLE task_instance ADD COLUMN note_user TEXT;
