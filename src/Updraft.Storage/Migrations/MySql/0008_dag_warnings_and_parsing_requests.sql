-- Warnings the DAG processor finds about a DAG that still loads (Airflow's dag_warning: a task in a pool that does
-- not exist, …), replaced on every pass.
CREATE TABLE dag_warning (
    dag_id VARCHAR(250) NOT NULL,
    warning_type VARCHAR(50) NOT NULL,
    message LONGTEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    PRIMARY KEY (dag_id, warning_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

-- Files someone asked to have parsed again now (Airflow's dag_priority_parsing_request), taken by the DAG processor.
CREATE TABLE dag_parsing_request (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    fileloc TEXT NOT NULL,
    requested_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
