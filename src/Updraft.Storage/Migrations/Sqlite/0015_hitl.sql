-- Questions of human-in-the-loop tasks (Airflow's hitl_detail), one per task instance, and their answer: the options
-- chosen, the values entered, who answered (null: the defaults were taken at the timeout) and when.
CREATE TABLE hitl_detail (
    dag_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    map_index INTEGER NOT NULL,
    subject TEXT NOT NULL,
    body TEXT,
    options TEXT NOT NULL,
    defaults TEXT,
    multiple INTEGER NOT NULL,
    params TEXT NOT NULL,
    timeout_at BIGINT,
    created_at BIGINT NOT NULL,
    responded_at BIGINT,
    responded_by TEXT,
    chosen_options TEXT,
    params_input TEXT,
    PRIMARY KEY (dag_id, run_id, task_id, map_index)
);

CREATE INDEX hitl_detail_open ON hitl_detail (responded_at);
