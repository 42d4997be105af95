-- DAG callbacks the scheduler asked for when a run ended (Airflow's callback_request), run by the DAG processor,
-- which has the DAG code.
CREATE TABLE callback_request (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dag_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    event TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
