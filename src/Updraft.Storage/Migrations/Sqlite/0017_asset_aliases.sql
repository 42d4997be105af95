-- Asset aliases (Airflow 3's AssetAlias): a name a task adds assets to while it runs. A DAG scheduled on an alias is
-- scheduled on every asset that joined it.
CREATE TABLE asset_alias (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    alias_group TEXT NOT NULL
);

CREATE UNIQUE INDEX asset_alias_name ON asset_alias (name);

-- The assets that joined each alias (added by a task's success).
CREATE TABLE asset_alias_asset (
    alias_id BIGINT NOT NULL,
    asset_id BIGINT NOT NULL,
    PRIMARY KEY (alias_id, asset_id)
);

CREATE INDEX asset_alias_asset_asset ON asset_alias_asset (asset_id);

-- The alias each event was recorded through.
CREATE TABLE asset_alias_asset_event (
    alias_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (alias_id, event_id)
);

CREATE INDEX asset_alias_asset_event_event ON asset_alias_asset_event (event_id);

-- Which DAGs are scheduled on which aliases (kept by the DAG processor).
CREATE TABLE dag_schedule_asset_alias_reference (
    alias_id BIGINT NOT NULL,
    dag_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (alias_id, dag_id)
);

CREATE INDEX dag_schedule_asset_alias_reference_dag ON dag_schedule_asset_alias_reference (dag_id);
