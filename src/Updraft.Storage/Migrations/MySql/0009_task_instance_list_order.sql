-- The REST API lists task instances in Airflow's default order (map_index, then the key): an index in that order
-- lets a page be read without sorting every matching row.
CREATE INDEX task_instance_list ON task_instance (map_index, dag_id, run_id, task_id);
