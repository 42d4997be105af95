-- Asset watchers (event-driven scheduling): a trigger the triggerer runs for as long as a DAG declares it, each event
-- of which records an event of the asset. Kept by the DAG processor for the DAG that declares it.
-- A watcher name is at most 750 characters here, so the key (asset_id, name) fits InnoDB's 3,072-byte limit.
CREATE TABLE asset_watcher (
    asset_id BIGINT NOT NULL,
    name VARCHAR(750) NOT NULL,
    dag_id VARCHAR(250) NOT NULL,
    trigger_id BIGINT NOT NULL,
    PRIMARY KEY (asset_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX asset_watcher_trigger ON asset_watcher (trigger_id);
CREATE INDEX asset_watcher_dag ON asset_watcher (dag_id);
