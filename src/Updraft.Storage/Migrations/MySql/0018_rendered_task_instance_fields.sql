-- The rendered template fields of task instances (Airflow's rendered_task_instance_fields): a JSON object of field name
-- to rendered value, secrets masked by the worker before they are sent. Written by each try as it starts; only the
-- latest [core] max_num_rendered_ti_fields_per_task runs of each task keep theirs. Keyed as Airflow's table, so the
-- rows of one task (what the retention reads and deletes) are one range of the key.
CREATE TABLE rendered_task_instance_fields (
    dag_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    map_index INT NOT NULL DEFAULT -1,
    rendered_fields LONGTEXT NOT NULL,
    PRIMARY KEY (dag_id, task_id, run_id, map_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
