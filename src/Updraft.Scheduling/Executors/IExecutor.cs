using System.Threading.Channels;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Executors;

/// <summary>
/// Runs queued tries somewhere: worker processes on this machine, a broker's workers, pods, containers. The task's
/// own runner records its final state through the execution API; the executor only reports when a try has ended,
/// and whether it was lost (its process died or was killed before recording a state). Every implementation passes
/// the executor compliance suite (<c>tests/Updraft.Scheduling.Tests/ExecutorComplianceTests.cs</c>).
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="StartAsync"/> once, then any number of <see cref="SubmitAsync"/> batches, then
/// <see cref="StopAsync"/> (or <see cref="IAsyncDisposable.DisposeAsync"/>), after which <see cref="Events"/> completes.
/// A try still running when the executor stops is left to the next scheduler's lost-try checks.
/// </remarks>
public interface IExecutor : IAsyncDisposable
{
    /// <summary>The name in <c>[core] executor</c> that a task's <c>executor</c> field chooses it by.</summary>
    string Name { get; }

    /// <summary>How many more tries it can take now.</summary>
    int OpenSlots { get; }

    /// <summary>Gets ready to take tries (starts workers, connects to its broker); called once, before the first batch.</summary>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a batch of tries the scheduler has just queued for it (each with its <c>queue</c>); returns when they are
    /// handed over, not when they have run.
    /// </summary>
    ValueTask SubmitAsync(IReadOnlyList<TaskInstanceRecord> batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops a try it is running, killing its processes; the try then ends as lost. False when it is not running
    /// that try (it has ended, or was never submitted here).
    /// </summary>
    ValueTask<bool> TerminateAsync(TaskInstanceKey key, int tryNumber, CancellationToken cancellationToken = default);

    /// <summary>Stops taking tries and lets go of its workers; <see cref="Events"/> completes.</summary>
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Ended tries, in the order they ended.</summary>
    ChannelReader<ExecutorEvent> Events { get; }
}
