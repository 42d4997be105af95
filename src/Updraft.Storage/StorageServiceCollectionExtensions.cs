using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Storage;

/// <summary>Registers the metadata database and its stores.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds <paramref name="database"/> and the stores on it as singletons (each store holds no state of its own;
    /// connections come from the database's pool), the DAG, run and task instance stores also behind their
    /// interfaces. A <see cref="TimeProvider"/> is added unless one is registered already.
    /// </summary>
    public static IServiceCollection AddUpdraftStorage(this IServiceCollection services, MetadataDatabase database)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(database);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(database);
        services.AddSingleton<DagStore>();
        services.AddSingleton<IDagStore>(s => s.GetRequiredService<DagStore>());
        services.AddSingleton<DagRunStore>();
        services.AddSingleton<IDagRunStore>(s => s.GetRequiredService<DagRunStore>());
        services.AddSingleton<TaskInstanceStore>();
        services.AddSingleton<ITaskInstanceStore>(s => s.GetRequiredService<TaskInstanceStore>());
        services.AddSingleton<AdmissionStore>();
        services.AddSingleton<DagCodeStore>();
        services.AddSingleton<EventLogStore>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<PoolStore>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<RoleStore>();
        services.AddSingleton<BackfillStore>();
        services.AddSingleton<DagWarningStore>();
        services.AddSingleton<DagParsingRequestStore>();
        services.AddSingleton<AssetStore>();
        services.AddSingleton<HitlStore>();

        // Readers need no retention: only the execution API writes, with [core] max_num_rendered_ti_fields_per_task.
        services.AddSingleton(s => new RenderedFieldsStore(s.GetRequiredService<MetadataDatabase>()));
        services.AddSingleton(s => new DatabaseXComStore(s.GetRequiredService<MetadataDatabase>(), s.GetRequiredService<TimeProvider>()));
        return services;
    }
}
