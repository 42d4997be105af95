using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.Configuration;
using Updraft.Scheduling.Scheduling;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary>Health, version, configuration and the event log.</summary>
internal static class MonitorEndpoints
{
    public static void MapMonitor(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapHealthAndVersion("/monitor/health");
        MapConfigAndEvents(api, settings);
    }

    /// <summary>Health (<c>/monitor/health</c> on v2, <c>/health</c> on v1, the same shape) and version; no token needed.</summary>
    public static void MapHealthAndVersion(this IEndpointRouteBuilder api, string healthPath)
    {
        api.MapGet(healthPath, async (HttpContext context, MetadataDatabase database, JobStore jobs, TimeProvider time) =>
        {
            string database_status;
            var scheduler = (Status: "unhealthy", Beat: (DateTimeOffset?)null);
            var processor = (Status: "unhealthy", Beat: (DateTimeOffset?)null);
            var triggerer = (Status: (string?)null, Beat: (DateTimeOffset?)null);
            try
            {
                await using (await database.OpenAsync(context.RequestAborted))
                {
                }

                database_status = "healthy";
                var now = time.GetUtcNow();

                // A scheduler or DAG processor is healthy while its heartbeat is recent ([scheduler]
                // scheduler_health_check_threshold, 30 s; a DAG processor beats after every pass, at least every
                // dag_dir_list_interval); unhealthy before one ever ran.
                scheduler = await HealthAsync(jobs, SchedulerEngine.JobType, now, context.RequestAborted) ?? scheduler;
                processor = await HealthAsync(jobs, Scheduling.Hosting.DagProcessorService.JobType, now, context.RequestAborted) ?? processor;
                // As in Airflow, a triggerer's status is null until one ever ran.
                triggerer = await HealthAsync(jobs, TriggerStore.TriggererJobType, now, context.RequestAborted) ?? triggerer;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or DatabaseException or TimeoutException or IOException)
            {
                database_status = "unhealthy";
            }

            return V2.Json(new
            {
                metadatabase = new { status = database_status },
                scheduler = new { status = scheduler.Status, latest_scheduler_heartbeat = scheduler.Beat?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
                triggerer = new { status = triggerer.Status, latest_triggerer_heartbeat = triggerer.Beat?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
                dag_processor = new { status = processor.Status, latest_dag_processor_heartbeat = processor.Beat?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
            });
        }).Anonymous();

        api.MapGet("/version", () => V2.Json(new
        {
            version = typeof(MonitorEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0",
            git_version = typeof(MonitorEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+') is [_, var commit] ? commit : null,
        })).Anonymous();
    }

    /// <summary>
    /// A service's health, as Airflow reports it from its most recent job: healthy while one runs and beat within the
    /// last 30 s; once all stopped (or went silent), unhealthy with the last heartbeat any of them recorded; null when
    /// none ever ran.
    /// </summary>
    private static async Task<(string Status, DateTimeOffset? Beat)?> HealthAsync(JobStore jobs, string jobType, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var running = await jobs.RunningAsync(jobType, -1, cancellationToken);
        if (running.Count > 0)
        {
            var beat = running.Max(j => j.LatestHeartbeat);
            return (now - beat < TimeSpan.FromSeconds(30) ? "healthy" : "unhealthy", beat);
        }

        return await jobs.LatestHeartbeatAsync(jobType, cancellationToken) is { } last ? ("unhealthy", last) : null;
    }

    private static void MapConfigAndEvents(IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/config", (HttpContext context, IServiceProvider services) =>
        {
            if (!settings.ExposeConfig || services.GetService(typeof(UpdraftConfig)) is not UpdraftConfig config)
            {
                throw new ApiException(403, "Your Updraft administrator chose not to expose the configuration, most likely for security reasons.");
            }

            var section = new ApiQuery(context.Request).String("section");
            var sections = config.List()
                .Where(e => section is null || e.Section == section)
                .GroupBy(e => e.Section, StringComparer.Ordinal)
                .Select(g => new { name = g.Key, options = g.Select(e => new { key = e.Key, value = e.Sensitive || Redaction.IsSensitive(e.Key) || e.Key.EndsWith("_cmd", StringComparison.Ordinal) || e.Key.Contains("secret", StringComparison.OrdinalIgnoreCase) || e.Key.Contains("kwargs", StringComparison.OrdinalIgnoreCase) ? "< hidden >" : e.Value }).ToList() })
                .ToList();
            return sections.Count == 0 && section is not null
                ? throw ApiException.NotFound($"Section {section} not found.")
                : V2.Json(new { sections });
        }).Query("section").Requires(Read, Configurations);

        api.MapGet("/eventLogs", async (HttpContext context, EventLogStore events) =>
        {
            var q = new ApiQuery(context.Request);
            var dagId = q.String("dag_id");
            var readable = context.Caller().ReadableDags;
            var dagIds = dagId is null ? readable : V2.Intersect(readable, [dagId]);
            var page = await events.QueryAsync(dagIds, q.String("event"), q.String("owner"), q.Page(settings.MaximumPageLimit), cancellationToken: context.RequestAborted);
            return V2.Json(new { event_logs = page.Items.Select(EventLog).ToList(), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "dag_id", "event", "owner").Requires(Read, AuditLogs);

        api.MapGet("/eventLogs/{event_log_id:long}", async (long event_log_id, HttpContext context, EventLogStore events) =>
        {
            var page = await events.QueryAsync(context.Caller().ReadableDags, null, null, new Storage.Queries.PageRequest { Limit = 1 }, event_log_id, context.RequestAborted);
            var entry = page.Items.Count > 0 ? page.Items[0] : throw ApiException.NotFound($"The Event Log with id: `{event_log_id}` not found");
            return V2.Json(EventLog(entry));
        }).Requires(Read, AuditLogs);
    }

    private static object EventLog(EventLogEntry e) => new
    {
        event_log_id = e.Id,
        when = V2.Time(e.Dttm),
        dag_id = e.DagId,
        task_id = e.TaskId,
        run_id = e.RunId,
        map_index = (int?)null,
        try_number = (int?)null,
        @event = e.Event,
        logical_date = (DateTimeOffset?)null,
        owner = e.Owner,
        extra = e.Extra,
        dag_display_name = e.DagId,
    };
}
