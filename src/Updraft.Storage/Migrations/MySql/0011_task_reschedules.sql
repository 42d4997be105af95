-- Each time a sensor in reschedule mode gave its slot back (Airflow's task_reschedule): when that poke ran and when
-- the next is due. The first row of a try is where the sensor's timeout counts from.
CREATE TABLE task_reschedule (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dag_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    map_index INT NOT NULL,
    try_number INT NOT NULL,
    start_date BIGINT NOT NULL,
    end_date BIGINT NOT NULL,
    duration DOUBLE PRECISION NOT NULL,
    reschedule_date BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX task_reschedule_try ON task_reschedule (dag_id, run_id, task_id, map_index, try_number);
