using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Updraft.Core.Runtime;
using Updraft.Core.Triggers;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Triggering;

/// <summary>
/// <c>updraft triggerer</c> (Airflow's triggerer): records itself in <c>job</c> and heartbeats; claims triggers no live
/// triggerer holds, up to its capacity (several triggerers share them; those of a triggerer that died or stopped
/// heartbeating are taken over); runs each as an async task on this process's thread pool; and when one fires, fails
/// or ends, writes the outcome (in batches) so its task instance resumes on a worker. A trigger it no longer holds
/// (taken over while this one was paused, or its task instance cleared) is cancelled. Stopping hands its triggers back.
/// </summary>
public sealed partial class Triggerer(
    MetadataDatabase database,
    TriggerKwargsCipher triggerKwargs,
    TriggererOptions options,
    TimeProvider timeProvider,
    ILogger<Triggerer> logger) : BackgroundService
{
    private readonly TriggerStore _triggers = new(database);
    private readonly JobStore _jobs = new(database);
    private readonly HitlStore _humans = new(database);
    private readonly AssetStore _assets = new(database);
    private readonly Operations.DatabaseDagRunClient _dagRuns = new(new DagStore(database), new DagRunStore(database), new TaskInstanceStore(database), timeProvider);
    private readonly ConcurrentDictionary<long, Running> _running = new();
    private readonly ConcurrentDictionary<long, byte> _settled = new();
    private readonly Channel<TriggerFiring> _outcomes = Channel.CreateUnbounded<TriggerFiring>(new UnboundedChannelOptions { SingleReader = true });
    private DateTimeOffset _lastHeartbeat;
    private DateTimeOffset _lastCleanup;

    /// <summary>This triggerer's row in <c>job</c>, once started.</summary>
    public long? JobId { get; private set; }

    /// <summary>How many triggers this triggerer runs now.</summary>
    public int RunningCount => _running.Count;

    /// <summary>
    /// Finds a stored trigger's type; by default Updraft's built-in triggers only (<see cref="TriggerTypes"/>), with a
    /// <see cref="DagCodeTriggerTypes"/> also those defined in DAG code.
    /// </summary>
    public Func<TriggerRecord, CancellationToken, Task<Type?>> ResolveType { get; init; } = (record, _) => Task.FromResult(TriggerTypes.Resolve(record.Classpath));

    /// <summary>Connections for triggers that call services (through the secrets chain); none when null.</summary>
    public IConnectionStore? Connections { get; init; }

    /// <summary>Called after outcomes were written and task instances resumed (standalone wakes its scheduler with it).</summary>
    public Action<int>? Resumed { get; init; }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (JobId is not { } id)
        {
            return;
        }

        try
        {
            // Its triggers go back at once (a stopped trigger is started again by whoever claims it: triggers are
            // waits, safe to restart), and its job row ends.
            await _triggers.ReleaseAsync(id, CancellationToken.None);
            await _jobs.EndAsync(id, "success", timeProvider.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database is away: others find this triggerer dead by its heartbeat and take its triggers then.
            LoopFailed(logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var writer = WriteOutcomesAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database is briefly away: running triggers go on; claim and write again on the next round.
                    LoopFailed(logger, e);
                }

                await Task.Delay(options.PollInterval, timeProvider, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            foreach (var running in _running.Values)
            {
                Stop(running);
            }

            await Task.WhenAll(_running.Values.Select(r => r.Task));
            _outcomes.Writer.TryComplete();
            await writer;
        }
    }

    /// <summary>One round: heartbeat, claim what is free, start what it newly holds and stop what it no longer holds.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        if (JobId is not { } id)
        {
            id = await _jobs.StartAsync(TriggerStore.TriggererJobType, System.Net.Dns.GetHostName(), Environment.ProcessId, now, cancellationToken);
            JobId = id;
            _lastHeartbeat = now;
            TriggererStarted(logger, id, options.Capacity);
        }
        else if (now - _lastHeartbeat >= options.JobHeartbeat)
        {
            _lastHeartbeat = now;
            if (!await _jobs.HeartbeatAsync(id, now, cancellationToken))
            {
                // Its row was ended (it was taken for dead): carry on as a new triggerer; what it held is re-claimed below.
                id = await _jobs.StartAsync(TriggerStore.TriggererJobType, System.Net.Dns.GetHostName(), Environment.ProcessId, now, cancellationToken);
                JobId = id;
            }
        }

        if (now - _lastCleanup >= options.CleanupInterval)
        {
            _lastCleanup = now;
            await _triggers.DeleteUnusedAsync(cancellationToken);
        }

        var held = (await _triggers.HeldAsync(id, cancellationToken)).ToHashSet();
        if (held.Count < options.Capacity &&
            await _triggers.ClaimAsync(id, options.Capacity - held.Count, now - options.HealthCheckThreshold, cancellationToken) > 0)
        {
            held = (await _triggers.HeldAsync(id, cancellationToken)).ToHashSet();
        }

        // Taken over by another triggerer, fired here already, or removed: stop it.
        foreach (var (triggerId, running) in _running)
        {
            if (!held.Contains(triggerId))
            {
                Stop(running);
            }
        }

        // A trigger whose outcome waits to be written is held still, but done here.
        var fresh = held.Where(t => !_running.ContainsKey(t) && !_settled.ContainsKey(t)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        foreach (var record in await _triggers.GetManyAsync(fresh, triggerKwargs, cancellationToken))
        {
            if (record.Task is null && record.WatchedAssetId is null)
            {
                // Nothing waits on it any more (its task instance was cleared or marked): the cleanup removes it.
                continue;
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = new Running(stop);
            if (_running.TryAdd(record.Id, running))
            {
                running.Task = record.WatchedAssetId is { } assetId ? WatchAsync(record, assetId, stop.Token) : RunTriggerAsync(record, stop.Token);
            }
        }
    }

    private const string UnreadableKwargs =
        "the trigger's arguments cannot be decrypted with any key in [core] fernet_key; was the key changed without rotate-fernet-key?";

    private async Task RunTriggerAsync(TriggerRecord record, CancellationToken cancellationToken)
    {
        // Started on the thread pool, so a trigger that blocks before its first await holds up no other.
        await Task.Yield();
        var key = record.Task!;
        var masker = new SecretMasker();
        var log = new TaskLogger(new AppendingLogSink(options.LogFolder is { } folder ? Logging.TaskLogPaths.For(folder, key, record.TryNumber ?? 0) : null), timeProvider, "triggerer", masker);
        var name = record.Classpath[(record.Classpath.LastIndexOf('.') + 1)..];
        try
        {
            if (record.KwargsUnreadable)
            {
                await FailAsync(record.Id, log, $"Trigger failure: {UnreadableKwargs}");
                return;
            }

            var type = await ResolveType(record, cancellationToken);
            if (type is null)
            {
                await FailAsync(record.Id, log, $"Trigger failure: the trigger type {record.Classpath} is neither one of Updraft's nor defined in the code of this run's DAG version.");
                return;
            }

            var trigger = Trigger.Deserialize(type, JsonNode.Parse(record.Kwargs) as JsonObject ?? []);
            log.Info($"Trigger {name} (trigger {record.Id}) is running in triggerer {JobId}.");
            var context = new TriggerContext
            {
                Clock = timeProvider,
                Log = log,
                DagRuns = _dagRuns,
                Connections = Connections is null ? null : new MaskingSecretStores(EmptyVariables.Instance, Connections, masker),
                HumanResponses = _humans,
            };
            await foreach (var @event in trigger.RunAsync(context, cancellationToken))
            {
                log.Info($"Trigger {name} fired; the task resumes.");

                // A task's trigger takes what it delivered at once (a file drop moves its file): its outcome is
                // written until it is stored.
                if (@event.Stored is { } taken)
                {
                    await taken(CancellationToken.None);
                }

                Settle(new TriggerFiring(record.Id, @event.Payload?.ToJsonString() ?? "null"));
                return;
            }

            await FailAsync(record.Id, log, "Trigger failure: the trigger ended without an event.");
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped here (handed back, taken over, or no longer needed): whatever it threw while stopping is no outcome.
        }
        catch (Exception e) when (MetadataDatabase.IsTransient(e) || e is DatabaseException)
        {
            // The database was away (a failover): the trigger is still held, and runs again on a later round; its task
            // goes on waiting instead of failing.
            log.Warning($"Trigger {name} lost the metadata database ({e.Message.Split('\n')[0]}); it starts again.");
        }
        catch (Exception e)
        {
            await FailAsync(record.Id, log, $"Trigger failure: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (_running.TryRemove(record.Id, out var running))
            {
                running.Stop.Dispose();
            }
        }
    }

    /// <summary>
    /// An asset watcher: runs its trigger for as long as this triggerer holds it, recording an event of the asset for
    /// every event the trigger yields (its payload as the extra data); a trigger that fails starts again after a
    /// backoff that grows with its failures in a row (<see cref="WatcherBackoff"/>).
    /// </summary>
    private async Task WatchAsync(TriggerRecord record, long assetId, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var masker = new SecretMasker();
        var log = new TaskLogger(new LoggerSink(logger), timeProvider, $"watcher {record.WatcherName}", masker);
        var backoff = new WatcherBackoff(options.WatcherRetryDelay, options.WatcherMaxRetryDelay);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var started = timeProvider.GetUtcNow();
                try
                {
                    if (record.KwargsUnreadable)
                    {
                        throw new InvalidOperationException(UnreadableKwargs);
                    }

                    var type = await ResolveType(record, cancellationToken)
                        ?? throw new InvalidOperationException($"the trigger type {record.Classpath} is neither one of Updraft's nor defined in the code of DAG {record.WatcherDagId}");
                    var trigger = Trigger.Deserialize(type, JsonNode.Parse(record.Kwargs) as JsonObject ?? []);
                    var context = new TriggerContext
                    {
                        Clock = timeProvider,
                        Log = log,
                        DagRuns = _dagRuns,
                        HumanResponses = _humans,
                        Connections = Connections is null ? null : new MaskingSecretStores(EmptyVariables.Instance, Connections, masker),
                    };
                    await foreach (var @event in trigger.RunAsync(context, cancellationToken))
                    {
                        var extra = @event.Payload as JsonObject is { } payload ? (JsonObject)payload.DeepClone() : new JsonObject { ["payload"] = @event.Payload?.DeepClone() };
                        extra["from_watcher"] = record.WatcherName;
                        if (await _assets.RecordEventAsync(assetId, extra, timeProvider.GetUtcNow(), CancellationToken.None) is null)
                        {
                            // The asset is gone (its DAG too): nothing is acknowledged, and this watcher is stopped soon.
                            continue;
                        }

                        // Acknowledged even while stopping: the event is stored, so it must not come again.
                        if (@event.Stored is { } stored)
                        {
                            await stored(CancellationToken.None);
                        }

                        Resumed?.Invoke(1);
                        backoff.Reset();
                    }

                    // A trigger that ends fires no more: it is not started again (a one-shot trigger would otherwise
                    // record an event every round) until this triggerer hands it back.
                    WatcherEnded(logger, record.WatcherName ?? "");
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    var now = timeProvider.GetUtcNow();
                    var delay = backoff.Failed(now - started);
                    WatcherFailed(logger, record.WatcherName ?? "", backoff.Failures, now + delay, e);
                    await Task.Delay(delay, timeProvider, cancellationToken);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped here: handed back, taken over, or no longer declared.
        }
        finally
        {
            if (_running.TryRemove(record.Id, out var running))
            {
                running.Stop.Dispose();
            }
        }
    }

    private Task FailAsync(long triggerId, TaskLogger log, string error)
    {
        log.Error(error);
        Settle(new TriggerFiring(triggerId, TriggerFiring.Error(error), Failed: true));
        return Task.CompletedTask;
    }

    private void Settle(TriggerFiring outcome)
    {
        _settled[outcome.TriggerId] = 0;
        _outcomes.Writer.TryWrite(outcome);
    }

    private static void Stop(Running running)
    {
        try
        {
            running.Stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It ended meanwhile.
        }
    }

    /// <summary>Writes what triggers fired with as soon as it comes, everything waiting in one batch.</summary>
    private async Task WriteOutcomesAsync(CancellationToken stoppingToken)
    {
        var batch = new List<TriggerFiring>();
        while (await _outcomes.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < 1000 && _outcomes.Reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }

            while (true)
            {
                try
                {
                    var resumed = await _triggers.FireManyAsync(batch, CancellationToken.None);
                    Resumed?.Invoke(resumed);
                    ResumedTasks(logger, resumed, batch.Count);
                    break;
                }
                catch (Exception e) when (MetadataDatabase.IsTransient(e) && !stoppingToken.IsCancellationRequested)
                {
                    // Kept until written: the task instances wait, deferred, for the database to come back.
                    LoopFailed(logger, e);
                    await Task.Delay(options.PollInterval, timeProvider, CancellationToken.None);
                }
                catch (Exception e)
                {
                    // Stopping with the database away, or a write that cannot succeed: the triggers stay stored and the
                    // next triggerer to claim them runs them again.
                    LoopFailed(logger, e);
                    break;
                }
            }

            // Written (the triggers are gone) or given up (they are claimed and run again).
            foreach (var outcome in batch)
            {
                _settled.TryRemove(outcome.TriggerId, out _);
            }

            batch.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Triggerer {JobId} started (capacity {Capacity} triggers)")]
    private static partial void TriggererStarted(ILogger logger, long jobId, int capacity);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resumed} task instances resumed from {Outcomes} trigger outcomes")]
    private static partial void ResumedTasks(ILogger logger, int resumed, int outcomes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asset watcher {Watcher} ended: its trigger fires no more, and it is not started again until this triggerer hands it back")]
    private static partial void WatcherEnded(ILogger logger, string watcher);

    [LoggerMessage(Level = LogLevel.Error, Message = "Asset watcher {Watcher} failed ({Attempt} in a row); it starts again at {RetryAt:O}")]
    private static partial void WatcherFailed(ILogger logger, string watcher, int attempt, DateTimeOffset retryAt, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{{{Source}}} {Line}")]
    private static partial void WatcherLine(ILogger logger, string source, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Triggerer round failed; retrying")]
    private static partial void LoopFailed(ILogger logger, Exception exception);

    /// <summary>A watcher's lines, in the triggerer's own log (a watcher belongs to no task).</summary>
    private sealed class LoggerSink(ILogger logger) : ITaskLogSink
    {
        public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message) => WatcherLine(logger, source, message);
    }

    private sealed class EmptyVariables : IVariableStore
    {
        public static readonly EmptyVariables Instance = new();

        public Task<string?> GetAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult<string?>(null);
    }

    private sealed class Running(CancellationTokenSource stop)
    {
        public CancellationTokenSource Stop { get; } = stop;

        public Task Task { get; set; } = Task.CompletedTask;
    }
}
