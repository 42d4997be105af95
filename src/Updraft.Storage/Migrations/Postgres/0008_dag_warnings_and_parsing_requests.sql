-- Warnings the DAG processor finds about a DAG that still loads (Airflow's dag_warning: a task in a pool that does
-- not exist, …), replaced on every pass.
CREATE TABLE dag_warning (
    dag_id TEXT NOT NULL,
    warning_type TEXT NOT NULL,
    message TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    PRIMARY KEY (dag_id, warning_type)
);

-- Files someone asked to have parsed again now (Airflow's dag_priority_parsing_request), taken by the DAG processor.
CREATE TABLE dag_parsing_request (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fileloc TEXT NOT NULL,
    requested_at BIGINT NOT NULL
);
