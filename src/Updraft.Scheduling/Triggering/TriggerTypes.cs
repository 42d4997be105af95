using System.Collections.Concurrent;
using Updraft.Core.Triggers;

namespace Updraft.Scheduling.Triggering;

/// <summary>
/// Finds a stored trigger's type by its full name among the assemblies this process has loaded (Updraft's built-in
/// triggers and those of the providers). Triggers defined in DAG code are not loaded by the triggerer yet.
/// </summary>
public static class TriggerTypes
{
    private static readonly ConcurrentDictionary<string, Type?> Known = new(StringComparer.Ordinal);

    /// <summary>The trigger type named <paramref name="classpath"/>, or null when no loaded assembly defines one.</summary>
    public static Type? Resolve(string classpath)
    {
        ArgumentNullException.ThrowIfNull(classpath);
        return Known.GetOrAdd(classpath, static name =>
        {
            // The providers' triggers live in an assembly nothing here may have loaded yet.
            _ = typeof(DateTimeTrigger).Assembly;
            _ = typeof(Providers.HttpSensorTrigger).Assembly;
            return AppDomain.CurrentDomain.GetAssemblies()
                .Where(a => !a.IsDynamic && !a.IsCollectible)
                .Select(a => a.GetType(name, throwOnError: false))
                .FirstOrDefault(t => t is not null && !t.IsAbstract && typeof(Trigger).IsAssignableFrom(t));
        });
    }
}
