using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Tests.Shared;

/// <summary>Queues chosen scheduled task instances through admission, as a scheduler would, without its limits.</summary>
public static class TestQueue
{
    public static Task<IReadOnlyList<TaskInstanceRecord>> QueueAsync(this MetadataDatabase database, IReadOnlyList<TaskInstanceKey> keys, DateTimeOffset now, string executor = "LocalExecutor") =>
        new AdmissionStore(database).AdmitAsync(10_000, _ => ValueTask.FromResult<IReadOnlyList<(TaskInstanceKey, string)>>([.. keys.Select(k => (k, executor))]), now);
}
