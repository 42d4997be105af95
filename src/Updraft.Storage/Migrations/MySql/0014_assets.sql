-- Assets (Airflow 3's assets; Airflow 2's datasets): named data that tasks update and DAGs are scheduled on.
-- MySQL/MariaDB: a name (up to 1500 characters, as Airflow) is longer than an index key may be, so the unique index is
-- on name_hash, the SHA-256 of the name's exact bytes; asset_name_lookup, on the first 768 characters, serves lookups
-- by name.
CREATE TABLE asset (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(1500) NOT NULL,
    uri VARCHAR(1500) NOT NULL,
    asset_group TEXT NOT NULL,
    extra LONGTEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    name_hash BINARY(32) AS (UNHEX(SHA2(name, 256))) STORED
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE UNIQUE INDEX asset_name ON asset (name_hash);
CREATE INDEX asset_name_lookup ON asset (name(768));

-- Each update of an asset: by a task's success (its source) or posted through the API.
CREATE TABLE asset_event (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    asset_id BIGINT NOT NULL,
    extra LONGTEXT NOT NULL,
    source_dag_id VARCHAR(250),
    source_task_id VARCHAR(250),
    source_run_id VARCHAR(250),
    source_map_index INT NOT NULL,
    timestamp BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX asset_event_asset ON asset_event (asset_id, timestamp);

-- Which DAGs are scheduled on which assets, and which tasks update them (kept by the DAG processor).
CREATE TABLE dag_schedule_asset_reference (
    asset_id BIGINT NOT NULL,
    dag_id VARCHAR(250) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, dag_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX dag_schedule_asset_reference_dag ON dag_schedule_asset_reference (dag_id);

CREATE TABLE task_outlet_asset_reference (
    asset_id BIGINT NOT NULL,
    dag_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, dag_id, task_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX task_outlet_asset_reference_dag ON task_outlet_asset_reference (dag_id);

-- An asset updated since a DAG scheduled on it last ran on it (one row per pair: the first update's time is kept).
CREATE TABLE asset_dag_run_queue (
    asset_id BIGINT NOT NULL,
    target_dag_id VARCHAR(250) NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, target_dag_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

-- The events an asset-triggered run was created from.
CREATE TABLE dagrun_asset_event (
    dag_run_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (dag_run_id, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX dagrun_asset_event_event ON dagrun_asset_event (event_id);
