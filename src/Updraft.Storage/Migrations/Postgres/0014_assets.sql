-- Assets (Airflow 3's assets; Airflow 2's datasets): named data that tasks update and DAGs are scheduled on.
CREATE TABLE asset (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    uri TEXT NOT NULL,
    asset_group TEXT NOT NULL,
    extra TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX asset_name ON asset (name);

-- Each update of an asset: by a task's success (its source) or posted through the API.
CREATE TABLE asset_event (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_id BIGINT NOT NULL,
    extra TEXT NOT NULL,
    source_dag_id TEXT,
    source_task_id TEXT,
    source_run_id TEXT,
    source_map_index INTEGER NOT NULL,
    timestamp BIGINT NOT NULL
);

CREATE INDEX asset_event_asset ON asset_event (asset_id, timestamp);

-- Which DAGs are scheduled on which assets, and which tasks update them (kept by the DAG processor).
CREATE TABLE dag_schedule_asset_reference (
    asset_id BIGINT NOT NULL,
    dag_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, dag_id)
);

CREATE INDEX dag_schedule_asset_reference_dag ON dag_schedule_asset_reference (dag_id);

CREATE TABLE task_outlet_asset_reference (
    asset_id BIGINT NOT NULL,
    dag_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, dag_id, task_id)
);

CREATE INDEX task_outlet_asset_reference_dag ON task_outlet_asset_reference (dag_id);

-- An asset updated since a DAG scheduled on it last ran on it (one row per pair: the first update's time is kept).
CREATE TABLE asset_dag_run_queue (
    asset_id BIGINT NOT NULL,
    target_dag_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, target_dag_id)
);

-- The events an asset-triggered run was created from.
CREATE TABLE dagrun_asset_event (
    dag_run_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (dag_run_id, event_id)
);

CREATE INDEX dagrun_asset_event_event ON dagrun_asset_event (event_id);
