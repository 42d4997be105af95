-- The initial schema. Times are microseconds since the Unix epoch, UTC; flags are 0/1 integers.
-- MySQL/MariaDB: run with ANSI_QUOTES; {collation} is replaced by the migrator with a binary, no-pad utf8mb4 collation.
-- Text in a key or index is VARCHAR (ids 250 characters, as Airflow's ID_LEN); other text is TEXT, or LONGTEXT when it
-- holds unbounded data. "key" and "schema" are reserved words and are always written quoted.
CREATE TABLE updraft_schema (
    version INT NOT NULL,
    applied_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE serialized_dag (
    dag_id VARCHAR(250) NOT NULL,
    version INT NOT NULL,
    dag_hash TEXT NOT NULL,
    fileloc TEXT NOT NULL,
    data LONGTEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (dag_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE dag (
    dag_id VARCHAR(250) NOT NULL PRIMARY KEY,
    is_paused INT NOT NULL,
    is_active INT NOT NULL,
    fileloc TEXT NOT NULL,
    owners TEXT NOT NULL,
    timetable_summary TEXT NOT NULL,
    latest_version INT NOT NULL,
    max_active_runs INT NOT NULL,
    max_active_tasks INT NOT NULL,
    last_parsed_time BIGINT NOT NULL,
    next_dagrun BIGINT,
    next_dagrun_data_interval_start BIGINT,
    next_dagrun_data_interval_end BIGINT,
    next_dagrun_create_after BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE dag_run (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dag_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    run_type VARCHAR(50) NOT NULL,
    dag_version INT NOT NULL,
    logical_date BIGINT NOT NULL,
    data_interval_start BIGINT NOT NULL,
    data_interval_end BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    state VARCHAR(50) NOT NULL,
    conf LONGTEXT NOT NULL,
    queued_at BIGINT NOT NULL,
    start_date BIGINT,
    end_date BIGINT,
    CONSTRAINT dag_run_dag_id_run_id_key UNIQUE (dag_id, run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
CREATE INDEX dag_run_state ON dag_run (state, dag_id);

-- pool is VARCHAR (Airflow's 256, the longest pool name) rather than TEXT: admission groups by it.
CREATE TABLE task_instance (
    dag_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    map_index INT NOT NULL DEFAULT -1,
    state VARCHAR(50) NOT NULL,
    try_number INT NOT NULL DEFAULT 0,
    max_tries INT NOT NULL,
    operator TEXT NOT NULL,
    pool VARCHAR(256) NOT NULL,
    pool_slots INT NOT NULL,
    priority_weight INT NOT NULL,
    queue TEXT NOT NULL,
    executor TEXT,
    hostname TEXT,
    pid INT,
    queued_dttm BIGINT,
    start_date BIGINT,
    end_date BIGINT,
    duration DOUBLE PRECISION,
    next_retry_at BIGINT,
    last_heartbeat_at BIGINT,
    queued_by_job_id BIGINT,
    PRIMARY KEY (dag_id, run_id, task_id, map_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
CREATE INDEX task_instance_state ON task_instance (state);

CREATE TABLE task_instance_history (
    dag_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    map_index INT NOT NULL,
    try_number INT NOT NULL,
    state VARCHAR(50) NOT NULL,
    hostname TEXT,
    pid INT,
    start_date BIGINT,
    end_date BIGINT,
    duration DOUBLE PRECISION,
    executor TEXT,
    PRIMARY KEY (dag_id, run_id, task_id, map_index, try_number)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

-- The key (dag_id, run_id, task_id, map_index, "key") would exceed InnoDB's 3,072-byte index limit (ids alone take
-- 3,000 bytes), and MariaDB allows no generated column in a primary key: so the key is a unique index over the SHA-256
-- of "key" (a hash of the exact bytes, as equal as the binary collation), and the table has no declared primary key.
CREATE TABLE xcom (
    dag_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    map_index INT NOT NULL,
    "key" VARCHAR(512) NOT NULL,
    value LONGTEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    key_hash BINARY(32) AS (UNHEX(SHA2("key", 256))) STORED,
    CONSTRAINT xcom_pkey UNIQUE (dag_id, run_id, task_id, map_index, key_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE connection (
    conn_id VARCHAR(250) NOT NULL PRIMARY KEY,
    conn_type TEXT NOT NULL,
    description TEXT,
    host TEXT,
    "schema" TEXT,
    login TEXT,
    password TEXT,
    port INT,
    extra LONGTEXT,
    is_encrypted INT NOT NULL DEFAULT 0,
    is_extra_encrypted INT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE variable (
    "key" VARCHAR(250) NOT NULL PRIMARY KEY,
    val LONGTEXT NOT NULL,
    description TEXT,
    is_encrypted INT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE slot_pool (
    pool VARCHAR(256) NOT NULL PRIMARY KEY,
    slots INT NOT NULL,
    description TEXT,
    include_deferred INT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
INSERT INTO slot_pool (pool, slots, description, include_deferred) VALUES ('default_pool', 128, 'Default pool', 0);

-- filename is a key: 768 characters is the longest that fits InnoDB's 3,072-byte index limit.
CREATE TABLE import_error (
    filename VARCHAR(768) NOT NULL PRIMARY KEY,
    line INT NOT NULL,
    stack_trace LONGTEXT NOT NULL,
    timestamp BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE log (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dttm BIGINT NOT NULL,
    event TEXT NOT NULL,
    dag_id TEXT,
    task_id TEXT,
    run_id TEXT,
    owner TEXT,
    extra LONGTEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE job (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    job_type VARCHAR(50) NOT NULL,
    state VARCHAR(50) NOT NULL,
    hostname TEXT NOT NULL,
    pid INT NOT NULL,
    start_date BIGINT NOT NULL,
    end_date BIGINT,
    latest_heartbeat BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE updraft_user (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(250) NOT NULL,
    password_hash TEXT NOT NULL,
    role VARCHAR(250) NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT updraft_user_username_key UNIQUE (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

-- MySQL only: rows locked FOR UPDATE stand in for PostgreSQL's transaction-scoped advisory locks (MySQL's named locks
-- belong to the session and would outlive a pooled transaction).
CREATE TABLE updraft_lock (
    name VARCHAR(50) NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
INSERT INTO updraft_lock (name) VALUES ('admission'), ('run_start');
