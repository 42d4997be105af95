-- Asset watchers (event-driven scheduling): a trigger the triggerer runs for as long as a DAG declares it, each event
-- of which records an event of the asset. Kept by the DAG processor for the DAG that declares it.
CREATE TABLE asset_watcher (
    asset_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    dag_id TEXT NOT NULL,
    trigger_id BIGINT NOT NULL,
    PRIMARY KEY (asset_id, name)
);

CREATE INDEX asset_watcher_trigger ON asset_watcher (trigger_id);
CREATE INDEX asset_watcher_dag ON asset_watcher (dag_id);
