-- Asset aliases (Airflow 3's AssetAlias): a name a task adds assets to while it runs. A DAG scheduled on an alias is
-- scheduled on every asset that joined it.
-- MySQL/MariaDB: as asset's name, the unique index is on name_hash (SHA-256 of the up to 1500-character name) and
-- asset_alias_name_lookup, on the first 768 characters, serves lookups by name.
CREATE TABLE asset_alias (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(1500) NOT NULL,
    alias_group TEXT NOT NULL,
    name_hash BINARY(32) AS (UNHEX(SHA2(name, 256))) STORED
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE UNIQUE INDEX asset_alias_name ON asset_alias (name_hash);
CREATE INDEX asset_alias_name_lookup ON asset_alias (name(768));

-- The assets that joined each alias (added by a task's success).
CREATE TABLE asset_alias_asset (
    alias_id BIGINT NOT NULL,
    asset_id BIGINT NOT NULL,
    PRIMARY KEY (alias_id, asset_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX asset_alias_asset_asset ON asset_alias_asset (asset_id);

-- The alias each event was recorded through.
CREATE TABLE asset_alias_asset_event (
    alias_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (alias_id, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX asset_alias_asset_event_event ON asset_alias_asset_event (event_id);

-- Which DAGs are scheduled on which aliases (kept by the DAG processor).
CREATE TABLE dag_schedule_asset_alias_reference (
    alias_id BIGINT NOT NULL,
    dag_id VARCHAR(250) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (alias_id, dag_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX dag_schedule_asset_alias_reference_dag ON dag_schedule_asset_alias_reference (dag_id);
