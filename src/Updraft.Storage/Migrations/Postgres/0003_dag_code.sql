-- The content of each DAG file version, by the SHA-256 of that content: tries run the code their run's DAG version was built from.
CREATE TABLE dag_code (
    source_hash TEXT PRIMARY KEY,
    fileloc TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
