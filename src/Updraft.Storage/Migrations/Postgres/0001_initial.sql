-- The initial schema. Times are microseconds since the Unix epoch, UTC; flags are 0/1 integers.
CREATE TABLE updraft_schema (
    version INTEGER NOT NULL,
    applied_at BIGINT NOT NULL
);

CREATE TABLE serialized_dag (
    dag_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    dag_hash TEXT NOT NULL,
    fileloc TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (dag_id, version)
);

CREATE TABLE dag (
    dag_id TEXT PRIMARY KEY,
    is_paused INTEGER NOT NULL,
    is_active INTEGER NOT NULL,
    fileloc TEXT NOT NULL,
    owners TEXT NOT NULL,
    timetable_summary TEXT NOT NULL,
    latest_version INTEGER NOT NULL,
    max_active_runs INTEGER NOT NULL,
    max_active_tasks INTEGER NOT NULL,
    last_parsed_time BIGINT NOT NULL,
    next_dagrun BIGINT,
    next_dagrun_data_interval_start BIGINT,
    next_dagrun_data_interval_end BIGINT,
    next_dagrun_create_after BIGINT
);

CREATE TABLE dag_run (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dag_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    run_type TEXT NOT NULL,
    dag_version INTEGER NOT NULL,
    logical_date BIGINT NOT NULL,
    data_interval_start BIGINT NOT NULL,
    data_interval_end BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    state TEXT NOT NULL,
    conf TEXT NOT NULL,
    queued_at BIGINT NOT NULL,
    start_date BIGINT,
    end_date BIGINT,
    UNIQUE (dag_id, run_id)
);
CREATE INDEX dag_run_state ON dag_run (state, dag_id);

CREATE TABLE task_instance (
    dag_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    map_index INTEGER NOT NULL DEFAULT -1,
    state TEXT NOT NULL,
    try_number INTEGER NOT NULL DEFAULT 0,
    max_tries INTEGER NOT NULL,
    operator TEXT NOT NULL,
    pool TEXT NOT NULL,
    pool_slots INTEGER NOT NULL,
    priority_weight INTEGER NOT NULL,
    queue TEXT NOT NULL,
    executor TEXT,
    hostname TEXT,
    pid INTEGER,
    queued_dttm BIGINT,
    start_date BIGINT,
    end_date BIGINT,
    duration DOUBLE PRECISION,
    next_retry_at BIGINT,
    last_heartbeat_at BIGINT,
    queued_by_job_id BIGINT,
    PRIMARY KEY (dag_id, run_id, task_id, map_index)
);
CREATE INDEX task_instance_state ON task_instance (state);

CREATE TABLE task_instance_history (
    dag_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    map_index INTEGER NOT NULL,
    try_number INTEGER NOT NULL,
    state TEXT NOT NULL,
    hostname TEXT,
    pid INTEGER,
    start_date BIGINT,
    end_date BIGINT,
    duration DOUBLE PRECISION,
    executor TEXT,
    PRIMARY KEY (dag_id, run_id, task_id, map_index, try_number)
);

CREATE TABLE xcom (
    dag_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    map_index INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    PRIMARY KEY (dag_id, run_id, task_id, map_index, key)
);

CREATE TABLE connection (
    conn_id TEXT PRIMARY KEY,
    conn_type TEXT NOT NULL,
    description TEXT,
    host TEXT,
    schema TEXT,
    login TEXT,
    password TEXT,
    port INTEGER,
    extra TEXT,
    is_encrypted INTEGER NOT NULL DEFAULT 0,
    is_extra_encrypted INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE variable (
    key TEXT PRIMARY KEY,
    val TEXT NOT NULL,
    description TEXT,
    is_encrypted INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE slot_pool (
    pool TEXT PRIMARY KEY,
    slots INTEGER NOT NULL,
    description TEXT,
    include_deferred INTEGER NOT NULL DEFAULT 0
);
INSERT INTO slot_pool (pool, slots, description, include_deferred) VALUES ('default_pool', 128, 'Default pool', 0);

CREATE TABLE import_error (
    filename TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    stack_trace TEXT NOT NULL,
    timestamp BIGINT NOT NULL
);

CREATE TABLE log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dttm BIGINT NOT NULL,
    event TEXT NOT NULL,
    dag_id TEXT,
    task_id TEXT,
    run_id TEXT,
    owner TEXT,
    extra TEXT
);

CREATE TABLE job (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_type TEXT NOT NULL,
    state TEXT NOT NULL,
    hostname TEXT NOT NULL,
    pid INTEGER NOT NULL,
    start_date BIGINT NOT NULL,
    end_date BIGINT,
    latest_heartbeat BIGINT NOT NULL
);

CREATE TABLE updraft_user (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
