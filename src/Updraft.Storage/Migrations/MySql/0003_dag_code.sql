-- The content of each DAG file version, by the SHA-256 of that content: tries run the code their run's DAG version was built from.
CREATE TABLE dag_code (
    source_hash VARCHAR(250) NOT NULL PRIMARY KEY,
    fileloc TEXT NOT NULL,
    content LONGBLOB NOT NULL,
    created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
