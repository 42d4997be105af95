namespace Updraft.Core.Configuration;

/// <summary>Every configuration key Updraft reads, with Airflow's names and defaults where Airflow has them.</summary>
public static class ConfigDefaults
{
    public static IReadOnlyList<ConfigOption> All { get; } =
    [
        new("core", "dags_folder", "{UPDRAFT_HOME}/dags", "The folder scanned recursively for DAG files (.cs and prebuilt .dll)."),
        new("core", "load_examples", "True", "Whether to load the example DAGs that ship with Updraft."),
        new("core", "executor", "LocalExecutor", "The executor tasks run on."),
        new("core", "parallelism", "32", "The most task instances that may run at once across all DAGs."),
        new("core", "max_active_tasks_per_dag", "16", "The most task instances of one DAG that may run at once, unless the DAG says otherwise."),
        new("core", "max_active_runs_per_dag", "16", "The most active runs of one DAG, unless the DAG says otherwise."),
        new("core", "dags_are_paused_at_creation", "True", "Whether new DAGs start paused."),
        new("core", "dagbag_import_timeout", "30", "Seconds a DAG file may take to build its DAGs before it is stopped and reported."),
        new("core", "dag_ignore_file_syntax", "regexp", "How .updraftignore lines are read: regexp or glob."),
        new("core", "default_task_retries", "0", "Retries for tasks that set none."),
        new("core", "default_task_retry_delay", "300", "Seconds between retries for tasks that set no delay."),
        new("core", "max_task_retry_delay", "86400", "The longest retry delay in seconds, also with exponential backoff."),
        new("core", "default_timezone", "utc", "The time zone of DAGs that name none."),
        new("core", "default_pool_task_slot_count", "128", "Slots of the default pool."),
        new("core", "max_map_length", "1024", "The most mapped task instances one task may expand to."),
        new("core", "dag_run_conf_overrides_params", "True", "Whether a run's conf overrides params of the same name."),
        new("core", "fernet_key", "", "Key(s) that encrypt connection passwords and extras in the database; comma-separated for rotation.", Sensitive: true),
        new("core", "test_connection", "Disabled", "Whether connections may be tested from the API and UI."),
        new("database", "connection", "sqlite:///{UPDRAFT_HOME}/updraft.db", "The metadata database: a SQLite path or a PostgreSQL URI.", Sensitive: true),
        new("scheduler", "dag_dir_list_interval", "5", "Seconds between scans of the DAGs folder for new files."),
        new("scheduler", "min_file_process_interval", "30", "Seconds before an unchanged DAG file is parsed again."),
        new("scheduler", "scheduler_heartbeat_sec", "5", "Seconds between scheduler heartbeats."),
        new("scheduler", "job_heartbeat_sec", "5", "Seconds between task heartbeats."),
        new("scheduler", "scheduler_zombie_task_threshold", "300", "Seconds without a heartbeat before a running task counts as lost."),
        new("scheduler", "task_queued_timeout", "600", "Seconds a task may stay queued before it is failed or re-queued."),
        new("scheduler", "max_tis_per_query", "16", "Task instances handled per scheduling query."),
        new("scheduler", "catchup_by_default", "True", "Whether DAGs that do not say run their missed intervals."),
        new("scheduler", "create_cron_data_intervals", "False", "Whether a plain cron string means data intervals (Airflow 2) instead of trigger times (Airflow 3)."),
        new("scheduler", "allowed_run_id_pattern", "^[A-Za-z0-9_.~:+-]+$", "The pattern run ids given by hand must match."),
        new("logging", "base_log_folder", "{UPDRAFT_HOME}/logs", "Where task logs are written."),
        new("logging", "logging_level", "INFO", "The level of Updraft's own logs."),
        new("logging", "remote_logging", "False", "Whether task logs are also shipped to a remote store."),
        new("logging", "remote_base_log_folder", "", "The remote log location, such as s3://bucket/path."),
        new("logging", "remote_log_conn_id", "", "The connection used for remote logs."),
        new("api_auth", "jwt_secret", "", "Signs the execution API's per-try tokens; every process of one installation must share it.", Sensitive: true),
        new("execution_api", "jwt_expiration_time", "600", "Seconds a try's execution API token is valid; heartbeats renew it."),
        new("api", "maximum_page_limit", "100", "The largest page size the REST API returns."),
        new("webserver", "web_server_port", "8080", "The port the API server and UI listen on."),
        new("webserver", "expose_config", "False", "Whether the configuration may be read through the API and UI."),
        new("webserver", "page_size", "100", "Rows per page in the UI."),
        new("webserver", "secret_key", "", "Signs session cookies.", Sensitive: true),
    ];

    public static ConfigOption? Find(string section, string key) => All.FirstOrDefault(o =>
        o.Section.Equals(section, StringComparison.OrdinalIgnoreCase) && o.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
}
