using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Execution.Api;
using Updraft.Scheduling.Scheduling;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Execution;

/// <summary>
/// The execution API's one implementation, on the metadata database: every call is checked against its try's token,
/// every write is guarded by the try number, and secrets resolve through the orchestrator's chain. Served to local
/// worker processes over their pipes, to <c>tasks run</c> in-process, and over HTTP by the API server (ADR 0012).
/// <paramref name="maxRenderedFieldsPerTask"/> is <c>[core] max_num_rendered_ti_fields_per_task</c>.
/// </summary>
public sealed class TaskExecutionService(
    MetadataDatabase database,
    TryTokens tokens,
    IVariableStore variables,
    IConnectionStore connections,
    TriggerKwargsCipher triggerKwargs,
    TimeProvider timeProvider,
    TimeSpan maxRetryDelay,
    int maxRenderedFieldsPerTask = RenderedFieldsStore.DefaultMaxRunsPerTask) : IExecutionApi
{
    private readonly DagRunStore _runs = new(database);
    private readonly TaskInstanceStore _tasks = new(database);
    private readonly DagCodeStore _code = new(database);
    private readonly AssetStore _assets = new(database);
    private readonly RenderedFieldsStore _rendered = new(database, maxRenderedFieldsPerTask);
    private readonly SerializedDagCache _serialized = new(new DagStore(database));
    private readonly Operations.DatabaseDagRunClient _dagRuns = new(new DagStore(database), new DagRunStore(database), new TaskInstanceStore(database), timeProvider);
    private FailedTryOutcome? _failedOutcome;

    // Starts and ends of concurrent tries are written together: one statement (one round trip) per batch.
    // A try named twice in one batch (a call retried while the first was still waiting) is written once, and only its
    // first call wins, as when the calls were separate writes.
    private readonly GroupCommit<TryStartRequest, TryStarted?> _starts = new(async batch =>
    {
        var unique = batch.DistinctBy(t => new TryKey(t.Key, t.TryNumber)).ToList();
        var started = await new TaskInstanceStore(database).StartManyAsync(unique, timeProvider.GetUtcNow());
        var answered = new HashSet<TryKey>();
        return [.. batch.Select(t => new TryKey(t.Key, t.TryNumber)).Select(k => answered.Add(k) ? started.GetValueOrDefault(k) : null)];
    });

    private readonly GroupCommit<TryEnd, bool> _finishes = new(async batch =>
    {
        var unique = batch.DistinctBy(e => new TryKey(e.Key, e.TryNumber)).ToList();
        var ended = await new TaskInstanceStore(database).FinishManyAsync(unique, timeProvider.GetUtcNow());
        var answered = new HashSet<TryKey>();
        return [.. batch.Select(e => new TryKey(e.Key, e.TryNumber)).Select(k => answered.Add(k) && ended.Contains(k))];
    });

    public TryTokens Tokens => tokens;

    public Task<TryStart?> StartAsync(string token, TryIdentity id, string hostname, int pid, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, async () =>
        {
            if (await _starts.RunAsync(new TryStartRequest(Key(id), id.TryNumber, hostname, pid)) is not { } started)
            {
                return null;
            }

            var run = started.Run;

            var dag = await _serialized.GetAsync(id.DagId, run.DagVersion, cancellationToken);
            if (dag?.Tasks.FirstOrDefault(t => t.TaskId == id.TaskId) is not { } task)
            {
                // The run or the task's version is gone (the run was deleted): the try cannot run.
                await _tasks.FinishAsync(Key(id), id.TryNumber, TaskInstanceState.Failed, timeProvider.GetUtcNow(), cancellationToken: cancellationToken);
                return null;
            }

            // A deferred try whose trigger fired resumes where it said; a sensor in reschedule mode pokes again within
            // the same try: where its timeout counts from.
            var resume = started.Resume;
            IReadOnlyList<Core.Assets.TriggeringAssetEvent> triggering = run.RunType == "dataset_triggered" ? await TriggeringEventsAsync(run, cancellationToken) : [];
            var reschedules = task.SensorMode == "reschedule" ? await _tasks.ReschedulesAsync(Key(id), id.TryNumber, cancellationToken) : [];
            return new TryStart
            {
                FirstPokeAt = reschedules.Count > 0 ? reschedules[0].StartDate : null,
                Reschedules = reschedules.Count,
                RunType = run.RunType,
                LogicalDate = Micros.To(run.LogicalDate),
                DataIntervalStart = Micros.To(run.DataIntervalStart),
                DataIntervalEnd = Micros.To(run.DataIntervalEnd),
                Conf = run.Conf,
                DagVersion = run.DagVersion,
                Fileloc = dag.Fileloc,
                SourceHash = dag.SourceHash,
                SharedHash = dag.SharedHash,
                Task = task,
                Timetable = dag.Timetable,
                TriggeringAssetEvents = triggering,
                NextMethod = resume?.Method,
                NextKwargs = resume?.Kwargs is { } kwargs ? JsonNode.Parse(kwargs) as JsonObject : null,
                NextEvent = resume?.Event is { } payload ? JsonNode.Parse(payload) : null,
            };
        });

    public Task<HeartbeatResult> HeartbeatAsync(string token, TryIdentity id, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, async () => await _tasks.HeartbeatAsync(Key(id), id.TryNumber, timeProvider.GetUtcNow(), cancellationToken)
            ? new HeartbeatResult(true, tokens.Issue(id))
            : new HeartbeatResult(false));

    public Task<TaskInstanceState?> FinishAsync(string token, TryIdentity id, TaskInstanceState state, bool retryAllowed, JsonObject? outletEvents = null, CancellationToken cancellationToken = default) =>
        ServeAsync<TaskInstanceState?>(token, id, async () =>
        {
            if (state is not (TaskInstanceState.Success or TaskInstanceState.Failed or TaskInstanceState.Skipped))
            {
                throw new ExecutionApiRefusedException($"A try ends as success, failed or skipped, not {state.ToWireName()}.", 422);
            }

            var now = timeProvider.GetUtcNow();
            DateTimeOffset? retryAt = null;
            if (state == TaskInstanceState.Failed && retryAllowed)
            {
                _failedOutcome ??= new FailedTryOutcome(_runs, _serialized, maxRetryDelay);
                (state, retryAt) = await _failedOutcome.DecideAsync(Key(id), id.TryNumber, now, cancellationToken);
            }

            // A success's asset events are written with it, in one transaction: the scheduler never sees one without the other.
            var (events, aliasEvents) = state == TaskInstanceState.Success && outletEvents is { Count: > 0 } ? await OutletEventsAsync(id, outletEvents, cancellationToken) : (null, null);
            return await _finishes.RunAsync(new TryEnd(Key(id), id.TryNumber, state, retryAt) { OutletEvents = events, AliasEvents = aliasEvents }) ? state : null;
        });

    private async Task<IReadOnlyList<Core.Assets.TriggeringAssetEvent>> TriggeringEventsAsync(DagRunRecord run, CancellationToken cancellationToken)
    {
        var events = await _assets.EventsAsync(
            new AssetEventQuery(new Storage.Queries.PageRequest { Limit = 10_000, OrderBy = ["timestamp"] }) { ConsumedByRunId = run.Id }, cancellationToken);
        return [.. events.Items.Select(e => new Core.Assets.TriggeringAssetEvent(e.Name, e.Uri, e.ExtraJson, e.Timestamp)
        {
            SourceDagId = e.SourceDagId,
            SourceTaskId = e.SourceTaskId,
            SourceRunId = e.SourceRunId,
            SourceMapIndex = e.SourceMapIndex,
        })];
    }

    /// <summary>
    /// The asset events of a success (<c>{"assets": {name: extra}, "aliases": [{"alias", "asset", "extra"}]}</c>): one
    /// for each asset outlet of the task in its run's DAG version, with the extra data the task gave it, and one for
    /// each asset it added to one of its outlet aliases. What the worker sent for anything that is not one of the
    /// task's outlets is ignored; an added asset that is not a valid asset is refused.
    /// </summary>
    private async Task<(IReadOnlyDictionary<string, JsonObject>? Assets, IReadOnlyList<AliasAssetEvent>? Aliases)> OutletEventsAsync(
        TryIdentity id, JsonObject outletEvents, CancellationToken cancellationToken)
    {
        var run = await _runs.GetAsync(id.DagId, id.RunId, cancellationToken);
        var task = run is null ? null : (await _serialized.GetAsync(id.DagId, run.DagVersion, cancellationToken))?.Tasks.FirstOrDefault(t => t.TaskId == id.TaskId);
        var outlets = (task?.Outlets ?? []).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        // A worker of the release before aliases sends {name: extra} alone.
        var assetExtras = outletEvents.ContainsKey("assets") || outletEvents.ContainsKey("aliases") ? outletEvents["assets"] as JsonObject ?? [] : outletEvents;
        var extras = assetExtras
            .Where(e => outlets.Contains(e.Key))
            .ToDictionary(e => e.Key, e => e.Value as JsonObject is { } extra ? (JsonObject)extra.DeepClone() : [], StringComparer.Ordinal);
        var aliases = (task?.OutletAliases ?? []).ToDictionary(a => a.Name, a => a.Group, StringComparer.Ordinal);
        var added = new List<AliasAssetEvent>();
        foreach (var item in (outletEvents["aliases"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if ((string?)item["alias"] is not { } alias || !aliases.TryGetValue(alias, out var aliasGroup) || item["asset"] is not JsonObject asset)
            {
                continue;
            }

            Core.Assets.Asset checkedAsset;
            try
            {
                checkedAsset = new Core.Assets.Asset((string?)asset["name"] ?? "", (string?)asset["uri"], (string?)asset["group"] ?? Core.Assets.Asset.DefaultGroup);
            }
            catch (ArgumentException e)
            {
                throw new ExecutionApiRefusedException($"Task {id.TaskId} added an invalid asset to alias '{alias}': {e.Message}", 422);
            }

            added.Add(new AliasAssetEvent(alias, SerializedAsset.From(checkedAsset), item["extra"] as JsonObject is { } extra ? (JsonObject)extra.DeepClone() : []) { AliasGroup = aliasGroup });
        }

        return (extras.Count > 0 ? extras : null, added.Count > 0 ? added : null);
    }

    public Task<TaskInstanceState?> RescheduleAsync(string token, TryIdentity id, DateTimeOffset rescheduleDate, CancellationToken cancellationToken = default) =>
        ServeAsync<TaskInstanceState?>(token, id, async () =>
        {
            // The poke is recorded while the try still runs, before its end lets the scheduler start the next poke:
            // the next poke always finds this one and counts its timeout from the first.
            await _tasks.RecordRescheduleAsync(Key(id), id.TryNumber, rescheduleDate, timeProvider.GetUtcNow(), cancellationToken);
            if (!await _finishes.RunAsync(new TryEnd(Key(id), id.TryNumber, TaskInstanceState.UpForReschedule, rescheduleDate)))
            {
                return null;
            }

            // Cleared while it poked (restarting), the try went back to none instead (its next run has a new try number).
            var row = await _tasks.GetAsync(Key(id), cancellationToken);
            return row is { State: TaskInstanceState.UpForReschedule } ? TaskInstanceState.UpForReschedule : TaskInstanceState.None;
        });

    public Task<TaskInstanceState?> DeferAsync(string token, TryIdentity id, TaskDeferral deferral, CancellationToken cancellationToken = default) =>
        ServeAsync<TaskInstanceState?>(token, id, async () =>
        {
            ArgumentNullException.ThrowIfNull(deferral);
            if (deferral.Classpath == typeof(Core.Triggers.WebhookTrigger).FullName)
            {
                throw new ExecutionApiRefusedException("A WebhookTrigger serves asset watchers only (the API server receives its deliveries); a task cannot defer on it.", 422);
            }

            var now = timeProvider.GetUtcNow();
            DateTimeOffset? timeoutAt = deferral.TriggerTimeout is { } timeout ? Clamp(now, timeout) : null;

            // As in Airflow, the wait cannot outlast the task's execution timeout, counted from the try's start.
            var row = await _tasks.GetAsync(Key(id), cancellationToken);
            var run = await _runs.GetAsync(id.DagId, id.RunId, cancellationToken);
            var task = run is null ? null : (await _serialized.GetAsync(id.DagId, run.DagVersion, cancellationToken))?.Tasks.FirstOrDefault(t => t.TaskId == id.TaskId);
            if (task?.ExecutionTimeout is { } limit && row?.StartDate is { } startMicros)
            {
                var hardStop = Clamp(Micros.To(startMicros), limit);
                timeoutAt = timeoutAt is { } soft && soft < hardStop ? soft : hardStop;
            }

            var stored = new TriggerDeferral(
                deferral.Classpath,
                deferral.TriggerKwargs.ToJsonString(),
                deferral.NextMethod,
                deferral.NextKwargs?.ToJsonString(),
                timeoutAt);
            return await new TriggerStore(database).DeferAsync(Key(id), id.TryNumber, stored, triggerKwargs, now, cancellationToken);
        });

    public Task RequestHumanInputAsync(string token, TryIdentity id, HumanRequest request, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, async () =>
        {
            ArgumentNullException.ThrowIfNull(request);

            // Only a try that runs may ask (its task instance is its own while it runs).
            if (await _tasks.GetAsync(Key(id), cancellationToken) is not { State: TaskInstanceState.Running } row || row.TryNumber != id.TryNumber)
            {
                throw new TryNotOwnedException($"Try {id.TryNumber} of {id.DagId}.{id.TaskId} no longer owns its task instance; its question was not recorded.");
            }

            await new HitlStore(database).AskAsync(Key(id), request, timeProvider.GetUtcNow(), cancellationToken);
            return true;
        });

    public Task<int> SkipDownstreamAsync(string token, TryIdentity id, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, async () =>
        {
            ArgumentNullException.ThrowIfNull(taskIds);
            var run = await _runs.GetAsync(id.DagId, id.RunId, cancellationToken);
            var dag = run is null ? null : await _serialized.GetAsync(id.DagId, run.DagVersion, cancellationToken);
            if (dag is null)
            {
                throw new TryNotOwnedException($"The run {id.RunId} of {id.DagId} is gone.");
            }

            // A try may skip only what lies downstream of its own task in its run's DAG version.
            var downstream = dag.DownstreamOf(id.TaskId);
            if (taskIds.FirstOrDefault(t => !downstream.Contains(t)) is { } stranger)
            {
                throw new ExecutionApiRefusedException($"Task '{stranger}' is not downstream of {id.DagId}.{id.TaskId}; a try may skip only its downstream tasks.", 422);
            }

            // Inside a mapped task group, an instance skips only its own instance of the group's tasks.
            var group = dag.GetTask(id.TaskId).MapGroupId;
            var sameInstance = group is null || id.MapIndex < 0
                ? null
                : taskIds.Where(t => dag.GetTask(t).MapGroupId == group).ToHashSet(StringComparer.Ordinal);
            return await _tasks.SkipForTryAsync(Key(id), id.TryNumber, taskIds, timeProvider.GetUtcNow(), sameInstance, cancellationToken)
                ?? throw new TryNotOwnedException($"Try {id.TryNumber} of {id.DagId}.{id.TaskId} no longer owns its task instance; nothing was skipped.");
        });

    public Task SetRenderedFieldsAsync(string token, TryIdentity id, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, async () =>
        {
            ArgumentNullException.ThrowIfNull(fields);

            // Guarded in the write itself, as XCom is: a stale try never replaces what its successor rendered.
            await _rendered.SetAsync(Key(id), fields, id.TryNumber, cancellationToken);
            return true;
        });

    public Task<Core.Serialization.DagCode?> GetDagCodeAsync(string token, TryIdentity id, string sourceHash, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, async () =>
        {
            // A try may fetch only the code of its own run's DAG version: the file and the shared code it was built with.
            var run = await _runs.GetAsync(id.DagId, id.RunId, cancellationToken);
            var dag = run is null ? null : await _serialized.GetAsync(id.DagId, run.DagVersion, cancellationToken);
            if (dag is null || (dag.SourceHash != sourceHash && dag.SharedHash != sourceHash))
            {
                throw new ExecutionApiRefusedException($"Code {sourceHash} is not the code of {id.DagId} run {id.RunId}'s DAG version.", 403);
            }

            return await _code.GetAsync(sourceHash, cancellationToken);
        });

    public Task<string?> GetXComAsync(string token, TryIdentity id, XComKey key, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, () =>
        {
            ArgumentNullException.ThrowIfNull(key);
            if (key.DagId != id.DagId || key.RunId != id.RunId)
            {
                throw new ExecutionApiRefusedException($"A try of {id.DagId} run {id.RunId} may read only its own run's XComs.", 403);
            }

            return new DatabaseXComStore(database, timeProvider).GetAsync(key, cancellationToken);
        });

    public Task<IReadOnlyList<string>> GetMappedXComsAsync(string token, TryIdentity id, XComKey key, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, () =>
        {
            ArgumentNullException.ThrowIfNull(key);
            if (key.DagId != id.DagId || key.RunId != id.RunId)
            {
                throw new ExecutionApiRefusedException($"A try of {id.DagId} run {id.RunId} may read only its own run's XComs.", 403);
            }

            return new DatabaseXComStore(database, timeProvider).GetMappedAsync(key.DagId, key.RunId, key.TaskId, key.Key, cancellationToken);
        });

    public Task SetXComAsync(string token, TryIdentity id, XComKey key, string json, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, async () =>
        {
            ArgumentNullException.ThrowIfNull(key);
            if (key.DagId != id.DagId || key.RunId != id.RunId || key.TaskId != id.TaskId || key.MapIndex != id.MapIndex)
            {
                throw new ExecutionApiRefusedException($"A try may write only its own task instance's XComs, not those of {key.DagId}.{key.TaskId}.", 403);
            }

            await new DatabaseXComStore(database, timeProvider, id.TryNumber).SetAsync(key, json, cancellationToken);
            return true;
        });

    public Task<string?> GetVariableAsync(string token, TryIdentity id, string key, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, () => variables.GetAsync(key, cancellationToken));

    public Task<Connection?> GetConnectionAsync(string token, TryIdentity id, string connId, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, () => connections.GetAsync(connId, cancellationToken));

    public Task TriggerDagRunAsync(string token, TryIdentity id, string dagId, string runId, DateTimeOffset logicalDate, System.Text.Json.Nodes.JsonObject? conf, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, async () =>
        {
            await _dagRuns.TriggerAsync(dagId, runId, logicalDate, conf, cancellationToken);
            return true;
        });

    public Task<string?> GetDagRunStateAsync(string token, TryIdentity id, string dagId, string runId, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, () => _dagRuns.GetRunStateAsync(dagId, runId, cancellationToken));

    public Task<string?> GetStateAtAsync(string token, TryIdentity id, string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default) =>
        ServeAsync(token, id, () => _dagRuns.GetStateAtAsync(dagId, taskId, logicalDate, cancellationToken));

    private async Task<T> ServeAsync<T>(string token, TryIdentity id, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(id);
        await tokens.AuthorizeAsync(token, id);
        try
        {
            return await call();
        }
        catch (Exception e) when (MetadataDatabase.IsTransient(e))
        {
            throw new ExecutionApiUnavailableException($"The metadata database is not reachable right now: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static DateTimeOffset Clamp(DateTimeOffset from, TimeSpan span) =>
        span >= DateTimeOffset.MaxValue - from ? DateTimeOffset.MaxValue : from + span;

    private static TaskInstanceKey Key(TryIdentity id) => new(id.DagId, id.RunId, id.TaskId, id.MapIndex);
}
