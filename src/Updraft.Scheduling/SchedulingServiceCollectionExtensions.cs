using Microsoft.Extensions.DependencyInjection;
using Updraft.Scheduling.Operations;

namespace Updraft.Scheduling;

/// <summary>Registers the application services the CLI and the REST API share.</summary>
public static class SchedulingServiceCollectionExtensions
{
    /// <summary>Adds <see cref="DagService"/>, <see cref="DagRunService"/> and <see cref="TaskInstanceService"/>; needs <c>AddUpdraftStorage</c>.</summary>
    public static IServiceCollection AddUpdraftOperations(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<DagService>();
        services.AddSingleton<DagRunService>();
        services.AddSingleton<TaskInstanceService>();
        return services;
    }
}
