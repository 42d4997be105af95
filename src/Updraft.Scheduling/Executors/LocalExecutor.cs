using System.Collections.Concurrent;
using System.Threading.Channels;
using Updraft.Execution.Api;
using Updraft.Scheduling.Logging;
using Updraft.Scheduling.Workers;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Executors;

/// <summary>
/// Runs task instances in worker processes on this machine, at most <c>slots</c> at once. Workers start on
/// demand and stay for the next task, so a task starts without paying for a new process. A task that kills,
/// crashes or poisons its worker takes only that worker down: the try is reported lost and a new worker starts
/// for the next task (ADR 0008).
/// </summary>
public sealed class LocalExecutor(
    WorkerCommand command,
    int slots,
    string logFolder,
    TimeProvider timeProvider,
    IExecutionApi api,
    Func<TryIdentity, string> issueToken,
    string name = LocalExecutor.DefaultName) : IExecutor
{
    public const string DefaultName = "LocalExecutor";

    private readonly ConcurrentDictionary<(TaskInstanceKey Key, int TryNumber), WorkerProcess> _byTry = new();
    private readonly ConcurrentDictionary<(TaskInstanceKey Key, int TryNumber), byte> _terminated = new();
    private readonly Channel<ExecutorEvent> _events = Channel.CreateUnbounded<ExecutorEvent>();
    private readonly List<WorkerProcess> _idle = [];
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _busy;
    private int _disposed;

    public string Name => name;

    public int OpenSlots => slots - Volatile.Read(ref _busy);

    public ChannelReader<ExecutorEvent> Events => _events.Reader;

    /// <summary>Workers started by <see cref="StartAsync"/> ahead of the first task (the rest start on demand).</summary>
    public int PrewarmOnStart { get; set; }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Nothing to connect to; workers start on demand, a few ahead when asked (and only now, when the service
        // starts: not while the host is still being built or the database made ready).
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        Prewarm(PrewarmOnStart);
        return Task.CompletedTask;
    }

    public ValueTask SubmitAsync(IReadOnlyList<TaskInstanceRecord> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        foreach (var taskInstance in batch)
        {
            Interlocked.Increment(ref _busy);
            var run = Task.Run(() => RunAsync(taskInstance), CancellationToken.None);
            _running.TryAdd(run, 0);
            _ = run.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> TerminateAsync(TaskInstanceKey key, int tryNumber, CancellationToken cancellationToken = default)
    {
        if (!_byTry.TryGetValue((key, tryNumber), out var worker))
        {
            return ValueTask.FromResult(false);
        }

        // Killing the worker ends its try (and the task's processes with it); RunAsync reports it lost.
        _terminated.TryAdd((key, tryNumber), 0);
        worker.Kill();
        return ValueTask.FromResult(true);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => DisposeAsync().AsTask();

    /// <summary>Starts a worker ahead of the first task, so the first task does not wait for a process to start.</summary>
    public void Prewarm(int workers)
    {
        for (var i = 0; i < Math.Min(workers, slots); i++)
        {
            Release(WorkerProcess.Start(command));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(_running.Keys);
        List<WorkerProcess> idle;
        lock (_idle)
        {
            idle = [.. _idle];
            _idle.Clear();
        }

        foreach (var worker in idle)
        {
            await worker.DisposeAsync();
        }

        _events.Writer.TryComplete();
        _stopping.Dispose();
    }

    private async Task RunAsync(TaskInstanceRecord ti)
    {
        ExecutorEvent? ended;
        try
        {
            ended = await RunTryAsync(ti);
        }
        finally
        {
            // The slot is free before the end is reported, so a scheduler woken by the event can fill it at once.
            Interlocked.Decrement(ref _busy);
        }

        if (ended is not null)
        {
            await _events.Writer.WriteAsync(ended);
        }
    }

    private async Task<ExecutorEvent?> RunTryAsync(TaskInstanceRecord ti)
    {
        var key = ti.Key;
        try
        {
            var worker = TakeIdleWorker(key.DagId) ?? WorkerProcess.Start(command);
            var token = issueToken(new TryIdentity(key.DagId, key.RunId, key.TaskId, key.MapIndex, ti.TryNumber));
            _byTry[(key, ti.TryNumber)] = worker;
            WorkerReply? reply;
            bool terminated;
            try
            {
                reply = await worker.RunAsync(new WorkerRequest(key.DagId, key.RunId, key.TaskId, key.MapIndex, ti.TryNumber, token), api, _stopping.Token);
            }
            finally
            {
                // Removed however the try ended, so a terminate that raced its normal end leaves nothing behind.
                _byTry.TryRemove((key, ti.TryNumber), out _);
                terminated = _terminated.TryRemove((key, ti.TryNumber), out _);
            }

            if (reply is null)
            {
                var reason = terminated ? "terminated by the scheduler" : await worker.DescribeExitAsync();
                await worker.DisposeAsync();
                TaskLogPaths.AppendLine(logFolder, key, ti.TryNumber, timeProvider.GetUtcNow(), reason);
                return new ExecutorEvent(key, ti.TryNumber, Lost: true, reason);
            }

            if (reply.Exiting)
            {
                await worker.DisposeAsync();
            }
            else
            {
                Release(worker);
            }

            return new ExecutorEvent(key, ti.TryNumber, Lost: false, reply.Error, Recorded: reply.State is not null);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: the task's try is left to the lost-task checks of the next scheduler.
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            var reason = $"the worker process could not be started: {e.Message}";
            TaskLogPaths.AppendLine(logFolder, key, ti.TryNumber, timeProvider.GetUtcNow(), reason);
            return new ExecutorEvent(key, ti.TryNumber, Lost: true, reason);
        }
    }

    /// <summary>An idle live worker, preferably one that has already loaded <paramref name="dagId"/>.</summary>
    private WorkerProcess? TakeIdleWorker(string dagId)
    {
        lock (_idle)
        {
            _idle.RemoveAll(w =>
            {
                if (!w.HasExited)
                {
                    return false;
                }

                _ = w.DisposeAsync().AsTask();
                return true;
            });
            var index = _idle.FindIndex(w => w.LoadedDagIds.Contains(dagId));
            if (index < 0 && _idle.Count > 0)
            {
                index = _idle.Count - 1;
            }

            if (index < 0)
            {
                return null;
            }

            var worker = _idle[index];
            _idle.RemoveAt(index);
            return worker;
        }
    }

    private void Release(WorkerProcess worker)
    {
        lock (_idle)
        {
            _idle.Add(worker);
        }
    }
}
