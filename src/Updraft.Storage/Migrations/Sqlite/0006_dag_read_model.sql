-- What the REST API lists about a DAG without reading its serialized form: description, whether a task limits its
-- own concurrency, and tags (a table, so lists filter on them). Filled when the DAG processor next records a DAG.
ALTER TABLE dag ADD COLUMN description TEXT;
ALTER TABLE dag ADD COLUMN has_task_concurrency_limits INTEGER NOT NULL DEFAULT 0;

CREATE TABLE dag_tag (
    dag_id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (dag_id, name)
);
CREATE INDEX dag_tag_name ON dag_tag (name);
