using System.Threading.Channels;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Executors;

/// <summary>
/// Runs queued task instances somewhere (worker processes, a broker's workers, pods, containers). The task's own
/// runner records its final state; the executor reports when a try has ended, and whether its process was lost.
/// </summary>
public interface IExecutor
{
    string Name { get; }

    /// <summary>How many more task instances it can take now.</summary>
    int OpenSlots { get; }

    /// <summary>Hands over a task instance the scheduler has just queued.</summary>
    void Submit(TaskInstanceRecord taskInstance);

    /// <summary>Ended tries, in the order they ended.</summary>
    ChannelReader<ExecutorEvent> Events { get; }
}
