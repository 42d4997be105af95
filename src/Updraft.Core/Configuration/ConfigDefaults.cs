namespace Updraft.Core.Configuration;

/// <summary>Every configuration key Updraft reads, with Airflow's names and defaults where Airflow has them.</summary>
public static class ConfigDefaults
{
    public static IReadOnlyList<ConfigOption> All { get; } =
    [
        new("core", "dags_folder", "{UPDRAFT_HOME}/dags", "The folder scanned recursively for DAG files (.cs and prebuilt .dll)."),
        new("core", "load_examples", "True", "Whether to load the example DAGs that ship with Updraft."),
        new("core", "executor", "LocalExecutor", "The executors tasks run on, comma-separated: the first is the default, a task's executor field chooses another (LocalExecutor: [core] parallelism worker processes; SequentialExecutor: one)."),
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
        new("core", "max_map_length", "1024", "The most instances a mapped task may expand into; a longer input fails the task that returned it (or the mapped task)."),
        new("core", "max_num_rendered_ti_fields_per_task", "30", "How many runs of each task keep their rendered template fields (newest by logical date; 0 or less keeps all)."),
        new("core", "default_pool_task_slot_count", "128", "Slots of the default pool."),
        new("core", "fernet_key", "", "Key(s) that encrypt connection passwords and extras in the database; comma-separated for rotation.", Sensitive: true),
        new("database", "connection", "sqlite:///{UPDRAFT_HOME}/updraft.db", "The metadata database: a SQLite path or a PostgreSQL URI.", Sensitive: true),
        new("scheduler", "dag_dir_list_interval", "5", "Seconds between scans of the DAGs folder for new files."),
        new("scheduler", "min_file_process_interval", "30", "Seconds before an unchanged DAG file is parsed again."),
        new("scheduler", "job_heartbeat_sec", "5", "Seconds between task heartbeats."),
        new("scheduler", "scheduler_zombie_task_threshold", "300", "Seconds without a heartbeat before a running task counts as lost."),
        new("scheduler", "task_queued_timeout", "600", "Seconds a task may stay queued before it is failed or re-queued."),
        new("scheduler", "scheduler_heartbeat_sec", "5", "Seconds between heartbeats of a scheduler's row in the job table."),
        new("scheduler", "scheduler_health_check_threshold", "30", "Seconds without a heartbeat before another scheduler takes a scheduler for dead and resets its task instances (at once when it ran on the same host and its process is gone)."),
        new("scheduler", "orphaned_tasks_check_interval", "300", "Seconds between looks for task instances left by dead schedulers (one is made at start)."),
        new("scheduler", "max_tis_per_query", "512", "The most scheduled task instances one scheduling pass considers for queueing."),
        new("scheduler", "catchup_by_default", "True", "Whether DAGs that do not say run their missed intervals."),
        new("scheduler", "create_cron_data_intervals", "False", "Whether a plain cron string means data intervals (Airflow 2) instead of trigger times (Airflow 3)."),
        new("triggerer", "capacity", "1000", "How many triggers one triggerer runs at most; more triggerers share the rest."),
        new("triggerer", "job_heartbeat_sec", "5", "Seconds between heartbeats of a triggerer's row in the job table."),
        new("triggerer", "triggerer_health_check_threshold", "30", "Seconds without a heartbeat before a triggerer is taken for dead and its triggers are run by another."),
        new("logging", "base_log_folder", "{UPDRAFT_HOME}/logs", "Where task logs are written."),
        new("logging", "logging_level", "INFO", "The level of Updraft's own logs."),
        new("api", "host", "127.0.0.1", "The address the API server (the execution API workers report to) listens on."),
        new("api", "port", "8080", "The port the API server listens on; 0 picks a free one."),
        new("api", "maximum_page_limit", "100", "The most items one page of a REST API list returns, whatever its limit asks."),
        new("api", "list_cache_seconds", "1", "How long the REST API keeps an answer of the DAG list per caller and query (0: not at all); changes made through the same API server show at once, others within this time."),
        new("api", "expose_config", "False", "Whether GET /api/v2/config shows the configuration (sensitive values are always hidden)."),
        new("api_auth", "jwt_secret", "", "Signs the REST API's bearer tokens and the execution API's per-try tokens; every process of one installation must share it. Several comma-separated secrets rotate it: the first signs, all are accepted.", Sensitive: true),
        new("api_auth", "jwt_expiration_time", "86400", "Seconds a REST API token from POST /auth/token is valid."),
        new("core", "test_connection", "Disabled", "Whether connections may be tested through the REST API (Enabled or Disabled)."),
        new("core", "execution_api_server_url", "", "Where local workers call the execution API: empty for their pipe to the executor (the default, measured faster), or the API server's URL, such as http://127.0.0.1:8080/execution/."),
        new("execution_api", "jwt_expiration_time", "600", "Seconds a try's execution API token is valid; heartbeats renew it."),
    ];

    public static ConfigOption? Find(string section, string key) => All.FirstOrDefault(o =>
        o.Section.Equals(section, StringComparison.OrdinalIgnoreCase) && o.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
}
