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
    /// Adds the dag-processor as a hosted service: it processes the folders once when it starts (so services registered
    /// after it, such as the scheduler, start on recorded DAGs), then on every change and every
    /// <c>[scheduler] dag_dir_list_interval</c>, parsing with the parser <paramref name="parser"/> makes (disposed with the host).
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
            return new DagProcessor(s.GetRequiredService<IDagFileParser>(), options.Folders, s.GetRequiredService<MetadataDatabase>(), s.GetRequiredService<TimeProvider>())
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
