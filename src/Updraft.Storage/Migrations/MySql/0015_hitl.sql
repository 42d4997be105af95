-- Questions of human-in-the-loop tasks (Airflow's hitl_detail), one per task instance, and their answer: the options
-- chosen, the values entered, who answered (null: the defaults were taken at the timeout) and when.
CREATE TABLE hitl_detail (
    dag_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    map_index INT NOT NULL,
    subject TEXT NOT NULL,
    body LONGTEXT,
    options LONGTEXT NOT NULL,
    defaults LONGTEXT,
    multiple INT NOT NULL,
    params LONGTEXT NOT NULL,
    timeout_at BIGINT,
    created_at BIGINT NOT NULL,
    responded_at BIGINT,
    responded_by TEXT,
    chosen_options LONGTEXT,
    params_input LONGTEXT,
    PRIMARY KEY (dag_id, run_id, task_id, map_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX hitl_detail_open ON hitl_detail (responded_at);
