-- DAG callbacks the scheduler asked for when a run ended (Airflow's callback_request), run by the DAG processor,
-- which has the DAG code.
CREATE TABLE callback_request (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dag_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    event VARCHAR(50) NOT NULL,
    reason LONGTEXT NOT NULL,
    created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
