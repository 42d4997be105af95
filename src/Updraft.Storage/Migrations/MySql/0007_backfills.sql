-- Backfills (Airflow 3's model): a backfill asks for the runs of a DAG between two dates; its runs are created at
-- once, queued, and the scheduler starts them in sort order under the backfill's own max_active_runs. A paused
-- backfill starts none; a DAG has at most one backfill that has not completed (the partial unique index).
-- MySQL/MariaDB have no partial index: active_dag_id is the dag_id while the backfill has not completed and null
-- after, and a unique index on it allows any number of nulls.
CREATE TABLE backfill (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dag_id VARCHAR(250) NOT NULL,
    from_date BIGINT NOT NULL,
    to_date BIGINT NOT NULL,
    dag_run_conf LONGTEXT NOT NULL,
    is_paused INT NOT NULL DEFAULT 0,
    reprocess_behavior VARCHAR(50) NOT NULL,
    max_active_runs INT NOT NULL,
    run_backwards INT NOT NULL DEFAULT 0,
    triggering_user_name TEXT,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    updated_at BIGINT NOT NULL,
    active_dag_id VARCHAR(250) AS (CASE WHEN completed_at IS NULL THEN dag_id END) STORED
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
CREATE UNIQUE INDEX backfill_one_active ON backfill (active_dag_id);

-- One row per interval the backfill covers: the run it created or reprocessed, or why it left that date alone.
-- The index is declared in the table so the foreign key uses it rather than an index of its own.
CREATE TABLE backfill_dag_run (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    backfill_id BIGINT NOT NULL,
    dag_run_id BIGINT,
    exception_reason VARCHAR(50),
    logical_date BIGINT NOT NULL,
    sort_ordinal INT NOT NULL,
    INDEX backfill_dag_run_backfill (backfill_id, sort_ordinal),
    CONSTRAINT backfill_dag_run_backfill_id_fkey FOREIGN KEY (backfill_id) REFERENCES backfill (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

ALTER TABLE dag_run ADD COLUMN backfill_id BIGINT;
CREATE INDEX dag_run_backfill ON dag_run (backfill_id);

-- Notes a person leaves on a run or a task instance (Airflow's dag_run_note / task_instance_note), with who wrote them.
ALTER TABLE dag_run ADD COLUMN note LONGTEXT;
ALTER TABLE dag_run ADD COLUMN note_user TEXT;
ALTER TABLE task_instance ADD COLUMN note LONGTEXT;
ALTER TABLE task_instance ADD COLUMN note_user TEXT;
