using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Updraft.Core.Configuration;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Hosting;
using Updraft.Scheduling.Operations;
using Updraft.Scheduling.Processing;
using Updraft.Scheduling.Scheduling;
using Updraft.Scheduling.Triggering;
using Updraft.Storage.Database;

namespace Updraft.Scheduling;

/// <summary>Registers the application services, the scheduler and the dag-processor.</summary>
public static class SchedulingServiceCollectionExtensions
{
    /// <summary>Adds <see cref="DagService"/>, <see cref="DagRunService"/>, <see cref="TaskInstanceService"/> and <see cref="BackfillService"/>; needs <c>AddUpdraftStorage</c>.</summary>
    public static IServiceCollection AddUpdraftOperations(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<DagService>();
        services.TryAddSingleton<DagRunService>();
        services.TryAddSingleton<TaskInstanceService>();
        services.TryAddSingleton<BackfillService>();
        return services;
    }

    /// <summary>
    /// Adds the scheduler as a hosted service over the executors <paramref name="executors"/> makes (the first the
    /// default), with <see cref="SchedulerOptions"/> bound from the registered <see cref="UpdraftConfig"/> and checked
    /// when the host starts. Needs <c>AddUpdraftStorage</c>. The service starts the executors, and stops them before it
    /// ends its job row.
    /// </summary>
    public static IServiceCollection AddUpdraftScheduler(this IServiceCollection services, Func<IServiceProvider, IReadOnlyList<IExecutor>> executors)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<SchedulerOptionsSetup>();
        services.AddSingleton<IConfigureOptions<SchedulerOptions>>(s => s.GetRequiredService<SchedulerOptionsSetup>());
        services.AddSingleton<IValidateOptions<SchedulerOptions>>(s => s.GetRequiredService<SchedulerOptionsSetup>());
        services.AddOptions<SchedulerOptions>().ValidateOnStart();
        services.AddSingleton(executors);
        services.AddSingleton(s => new SchedulerEngine(
            s.GetRequiredService<MetadataDatabase>(),
            s.GetRequiredService<IReadOnlyList<IExecutor>>(),
            s.GetRequiredService<IOptions<SchedulerOptions>>().Value,
            s.GetRequiredService<TimeProvider>(),
            s.GetRequiredService<ILogger<SchedulerEngine>>()));
        services.AddHostedService(s => new SchedulerService(
            s.GetRequiredService<SchedulerEngine>(),
            s.GetRequiredService<IReadOnlyList<IExecutor>>(),
            s.GetRequiredService<TimeProvider>(),
            s.GetRequiredService<ILogger<SchedulerService>>()));
        return services;
    }

    /// <summary>
    /// Adds the triggerer as a hosted service, with <see cref="TriggererOptions"/> from <c>[triggerer]</c> of the
    /// registered <see cref="UpdraftConfig"/> (checked when the host starts) and task logs under
    /// <paramref name="logFolder"/>. Needs <c>AddUpdraftStorage</c> and a <see cref="Storage.Stores.TriggerKwargsCipher"/>. When a scheduler runs in the same host, tasks the
    /// triggerer resumes are scheduled at once. Triggers that call services get their connections from
    /// <paramref name="connections"/>; with <paramref name="types"/>, triggers defined in DAG code run too.
    /// </summary>
    public static IServiceCollection AddUpdraftTriggerer(
        this IServiceCollection services,
        string? logFolder,
        Func<IServiceProvider, Core.Runtime.IConnectionStore>? connections = null,
        Func<IServiceProvider, DagCodeTriggerTypes>? types = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TriggererOptions>()
            .Configure<UpdraftConfig>((o, config) =>
            {
                o.Capacity = config.GetInt("triggerer", "capacity");
                o.JobHeartbeat = TimeSpan.FromSeconds(config.GetDouble("triggerer", "job_heartbeat_sec"));
                o.HealthCheckThreshold = TimeSpan.FromSeconds(config.GetDouble("triggerer", "triggerer_health_check_threshold"));
                o.LogFolder = logFolder;
            })
            .Validate(o => o.Capacity >= 1, "[triggerer] capacity must be 1 or more: with 0 no deferred task could ever resume.")
            .Validate(
                o => o.JobHeartbeat > TimeSpan.Zero && o.JobHeartbeat < o.HealthCheckThreshold,
                "[triggerer] job_heartbeat_sec must be more than 0 and less than triggerer_health_check_threshold.")
            .Validate(
                o => o.WatcherRetryDelay > TimeSpan.Zero && o.WatcherMaxRetryDelay >= o.WatcherRetryDelay,
                "The asset watchers' retry delay must be more than 0 and no longer than their longest retry delay.")
            .ValidateOnStart();
        services.AddSingleton(s =>
        {
            var scheduler = s.GetService<SchedulerEngine>();
            return new Triggering.Triggerer(
                s.GetRequiredService<MetadataDatabase>(),
                s.GetRequiredService<Storage.Stores.TriggerKwargsCipher>(),
                s.GetRequiredService<IOptions<TriggererOptions>>().Value,
                s.GetRequiredService<TimeProvider>(),
                s.GetRequiredService<ILogger<Triggering.Triggerer>>())
            {
                Connections = connections?.Invoke(s),
                ResolveType = types?.Invoke(s) is { } resolver ? resolver.ResolveAsync : (record, _) => Task.FromResult(TriggerTypes.Resolve(record.Classpath)),
                Resumed = scheduler is null ? null : resumed =>
                {
                    if (resumed > 0)
                    {
                        scheduler.RequestPass();
                    }
                },
            };
        });
        services.AddHostedService(s => s.GetRequiredService<Triggering.Triggerer>());
        return services;
    }

    /// <summary>
    /// Adds the dag-processor as a hosted service: it processes the folders once when it starts (so services registered
    /// after it, such as the scheduler, start on recorded DAGs), then on every change and every
    /// <c>[scheduler] dag_dir_list_interval</c>, parsing with the parser <paramref name="parser"/> makes (disposed with the host).
    /// Needs a <see cref="Storage.Stores.TriggerKwargsCipher"/> (asset watchers' trigger arguments are stored encrypted).
    /// </summary>
    public static IServiceCollection AddUpdraftDagProcessor(this IServiceCollection services, Func<IServiceProvider, IDagFileParser> parser, Action<DagProcessorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DagProcessorOptions>()
            .Configure(configure)
            .Validate(o => o.ListInterval > TimeSpan.Zero, "[scheduler] dag_dir_list_interval must be more than 0 seconds.")
            .ValidateOnStart();
        services.AddSingleton(parser);
        services.AddSingleton(s =>
        {
            var options = s.GetRequiredService<IOptions<DagProcessorOptions>>().Value;
            return new DagProcessor(s.GetRequiredService<IDagFileParser>(), options.Folders, s.GetRequiredService<MetadataDatabase>(), s.GetRequiredService<Storage.Stores.TriggerKwargsCipher>(), s.GetRequiredService<TimeProvider>())
            {
                Executors = options.Executors,
            };
        });
        services.AddHostedService(s =>
        {
            var options = s.GetRequiredService<IOptions<DagProcessorOptions>>().Value;
            return new DagProcessorService(
                s.GetRequiredService<DagProcessor>(), options.Folders, options.ListInterval, s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILogger<DagProcessorService>>(), s.GetService<Storage.Stores.JobStore>(), s.GetService<Storage.Stores.DagParsingRequestStore>(), s.GetService<DagCallbackRunner>());
        });
        return services;
    }
}
