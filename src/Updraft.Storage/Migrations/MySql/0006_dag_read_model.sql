-- What the REST API lists about a DAG without reading its serialized form: description, whether a task limits its
-- own concurrency, and tags (a table, so lists filter on them). Filled when the DAG processor next records a DAG.
ALTER TABLE dag ADD COLUMN description TEXT;
ALTER TABLE dag ADD COLUMN has_task_concurrency_limits INT NOT NULL DEFAULT 0;

-- A tag is at most 500 characters here (Airflow: 100), so the key (dag_id, name) fits InnoDB's 3,072-byte limit.
CREATE TABLE dag_tag (
    dag_id VARCHAR(250) NOT NULL,
    name VARCHAR(500) NOT NULL,
    PRIMARY KEY (dag_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
CREATE INDEX dag_tag_name ON dag_tag (name);
