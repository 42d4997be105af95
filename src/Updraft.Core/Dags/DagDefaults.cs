using Updraft.Core.Configuration;
using Updraft.Core.Timetables;

namespace Updraft.Core.Dags;

/// <summary>The configuration defaults that fill what a DAG or task leaves unset.</summary>
public sealed record DagDefaults
{
    public string DefaultTimezone { get; init; } = "UTC";

    public bool CatchupByDefault { get; init; } = true;

    public bool CreateCronDataIntervals { get; init; }

    public int DefaultTaskRetries { get; init; }

    public TimeSpan DefaultTaskRetryDelay { get; init; } = TimeSpan.FromSeconds(300);

    public TimeSpan MaxTaskRetryDelay { get; init; } = TimeSpan.FromSeconds(86400);

    public int MaxActiveRunsPerDag { get; init; } = 16;

    public int MaxActiveTasksPerDag { get; init; } = 16;

    public bool DagsArePausedAtCreation { get; init; } = true;

    /// <summary><c>[core] max_map_length</c>: the most instances a mapped task may expand into.</summary>
    public int MaxMapLength { get; init; } = 1024;

    public static DagDefaults FromConfig(UpdraftConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new DagDefaults
        {
            DefaultTimezone = config.Get("core", "default_timezone"),
            CatchupByDefault = config.GetBool("scheduler", "catchup_by_default"),
            CreateCronDataIntervals = config.GetBool("scheduler", "create_cron_data_intervals"),
            DefaultTaskRetries = config.GetInt("core", "default_task_retries"),
            DefaultTaskRetryDelay = TimeSpan.FromSeconds(config.GetDouble("core", "default_task_retry_delay")),
            MaxTaskRetryDelay = TimeSpan.FromSeconds(config.GetDouble("core", "max_task_retry_delay")),
            MaxActiveRunsPerDag = config.GetInt("core", "max_active_runs_per_dag"),
            MaxActiveTasksPerDag = config.GetInt("core", "max_active_tasks_per_dag"),
            DagsArePausedAtCreation = config.GetBool("core", "dags_are_paused_at_creation"),
            MaxMapLength = config.GetInt("core", "max_map_length"),
        };
    }

    /// <summary>The DAG's timetable, in its time zone (or the default one).</summary>
    public Timetable TimetableFor(Dag dag)
    {
        ArgumentNullException.ThrowIfNull(dag);
        return dag.Schedule.ToTimetable(TimeZones.Find(dag.TimeZone ?? DefaultTimezone), CreateCronDataIntervals);
    }
}
