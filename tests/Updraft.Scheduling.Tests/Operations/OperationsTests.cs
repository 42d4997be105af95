using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Core.Dags;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Storage;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests.Operations;

/// <summary>The application services' rules, composed as the services and the REST API compose them (DI), on a real database.</summary>
public sealed class OperationsTests : IAsyncLifetime
{
    private static readonly Actor Api = new("alice", "api");
    private readonly Updraft.Tests.Shared.SqliteTestFile _file = new("updraft-ops");
    private ServiceProvider _services = null!;

    private T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        var database = MetadataDatabase.FromUri(_file.Uri);
        await new Migrator(database, TimeProvider.System).MigrateAsync();
        _services = new ServiceCollection().AddUpdraftStorage(database).AddUpdraftOperations().BuildServiceProvider();
        var dag = new Dag("etl", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        dag.Params.Add("n", new Param(1, ParamType.Integer));
        var extract = dag.Bash("extract", "true");
        _ = extract >> dag.Bash("load", "true");
        await Get<IDagStore>().SyncAsync([DagSerializer.Serialize(dag, new DagDefaults(), "h") with { Fileloc = "/dags/etl.cs" }], [], ["/dags/etl.cs"], TestTriggerKwargs.Cipher, TimeProvider.System.GetUtcNow());
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        _file.Dispose();
    }

    [Fact]
    public async Task Trigger_PausedUnknownOrTaken_RefusedWithTheReason_OtherwiseQueuedAndLogged()
    {
        var runs = Get<DagRunService>();

        var paused = await Assert.ThrowsAsync<OperationException>(() => runs.TriggerAsync(new("etl"), Api));
        await Get<DagService>().SetPausedAsync("etl", false, Api);
        var run = await runs.TriggerAsync(new("etl") { RunId = "first", Conf = new() { ["n"] = 3 } }, Api);
        var taken = await Assert.ThrowsAsync<OperationException>(() => runs.TriggerAsync(new("etl") { RunId = "first" }, Api));
        var unknown = await Assert.ThrowsAsync<OperationException>(() => runs.TriggerAsync(new("nope"), Api));
        await Assert.ThrowsAsync<ParamValidationException>(() => runs.TriggerAsync(new("etl") { RunId = "bad", Conf = new() { ["n"] = "x" } }, Api));

        Assert.Equal((OperationError.Conflict, "DAG 'etl' is paused; unpause it first with 'updraft dags unpause etl'."), (paused.Kind, paused.Message));
        Assert.Equal(DagRunState.Queued, run.State);
        Assert.Equal(OperationError.Conflict, taken.Kind);
        Assert.Equal((OperationError.NotFound, "DAG 'nope' not found."), (unknown.Kind, unknown.Message));
        Assert.Null(await Get<IDagRunStore>().GetAsync("etl", "bad"));
        var log = await Get<EventLogStore>().ListAsync("etl");
        Assert.Equal(["api_trigger", "api_unpause"], log.Select(e => e.Event));
        Assert.All(log, e => Assert.Equal("alice", e.Owner));
    }

    [Fact]
    public async Task Find_ByIdOrLogicalDate_ElseNotFoundNamingWhatIsMissing()
    {
        await Get<DagService>().SetPausedAsync("etl", false, Api);
        var date = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var run = await Get<DagRunService>().TriggerAsync(new("etl") { LogicalDate = date }, Api);

        var byDate = await Get<DagRunService>().FindAsync("etl", "2025-03-01T00:00:00+00:00");
        var missing = await Assert.ThrowsAsync<OperationException>(() => Get<DagRunService>().FindAsync("etl", "nope"));
        var noDag = await Assert.ThrowsAsync<OperationException>(() => Get<DagRunService>().FindAsync("other", "nope"));

        Assert.Equal(run.RunId, byDate.RunId);
        Assert.Equal("DAG 'etl' has no run 'nope'.", missing.Message);
        Assert.Equal("DAG 'other' not found.", noDag.Message);
    }

    [Fact]
    public async Task Clear_DryRunChangesNothing_ThenClearsTheFailedTaskAndItsDownstream()
    {
        await Get<DagService>().SetPausedAsync("etl", false, Api);
        await Get<DagRunService>().TriggerAsync(new("etl") { RunId = "r" }, Api);
        var tasks = Get<ITaskInstanceStore>();
        var extract = new TaskInstanceKey("etl", "r", "extract");
        var load = new TaskInstanceKey("etl", "r", "load");
        await tasks.TransitionAsync(
            [new TaskInstanceChange(extract, TaskInstanceState.None, TaskInstanceState.Failed), new TaskInstanceChange(load, TaskInstanceState.None, TaskInstanceState.UpstreamFailed)],
            TimeProvider.System.GetUtcNow());
        var request = new ClearRequest("etl") { TaskIdPattern = new Regex("^ext"), IncludeDownstream = true, OnlyFailed = true };

        var plan = await Get<TaskInstanceService>().ClearAsync(request with { DryRun = true }, Api);
        var stateAfterPlan = (await tasks.GetAsync(extract))!.State;
        var result = await Get<TaskInstanceService>().ClearAsync(request, Api);

        Assert.Equal([extract, load], plan.Selected.OrderBy(k => k.TaskId));
        Assert.Empty(plan.Cleared);
        Assert.Equal(TaskInstanceState.Failed, stateAfterPlan);
        Assert.Equal([extract, load], result.Cleared.OrderBy(k => k.TaskId));
        Assert.Equal(TaskInstanceState.None, (await tasks.GetAsync(load))!.State);
        Assert.Contains(await Get<EventLogStore>().ListAsync("etl"), e => e.Event == "api_clear" && e.Extra == "2 task instance(s)");
    }

    [Fact]
    public async Task Clear_ATaskClearsTheSetupsItRunsUnderAndTheirTeardowns_NotOtherSetups()
    {
        var dag = new Dag("infra", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var create = dag.Bash("create_cluster", "true");
        var work = dag.Bash("work", "true");
        var report = dag.Bash("report", "true");
        var delete = dag.Bash("delete_cluster", "true").AsTeardown(create);
        var login = dag.Bash("login", "true").AsSetup();   // a setup without a teardown also scopes what follows it
        var unrelated = dag.Bash("other_setup", "true").AsSetup();
        create.Then(work).Then(delete);
        login.Then(work);
        unrelated.Then(report);
        await Get<IDagStore>().SyncAsync([DagSerializer.Serialize(dag, new DagDefaults(), "h") with { Fileloc = "/dags/infra.cs" }], [], ["/dags/etl.cs", "/dags/infra.cs"], TestTriggerKwargs.Cipher, TimeProvider.System.GetUtcNow());
        await Get<DagService>().SetPausedAsync("infra", false, Api);
        await Get<DagRunService>().TriggerAsync(new("infra") { RunId = "r" }, Api);

        var plan = await Get<TaskInstanceService>().ClearAsync(new ClearRequest("infra") { TaskIds = ["work"], DryRun = true }, Api);
        var teardownOnly = await Get<TaskInstanceService>().ClearAsync(new ClearRequest("infra") { TaskIds = ["report"], DryRun = true }, Api);
        var setupAlone = await Get<TaskInstanceService>().ClearAsync(new ClearRequest("infra") { TaskIds = ["create_cluster"], DryRun = true }, Api);
        var marked = await Get<TaskInstanceService>().MarkAsync(new TaskInstanceKey("infra", "r", "work"), TaskInstanceState.Success, upstream: false, downstream: false, future: false, past: false, dryRun: true, Api);

        Assert.Equal(["create_cluster", "delete_cluster", "login", "work"], plan.Selected.Select(k => k.TaskId).Order(StringComparer.Ordinal));
        Assert.Equal(["other_setup", "report"], teardownOnly.Selected.Select(k => k.TaskId).Order(StringComparer.Ordinal));
        Assert.Equal(["create_cluster", "delete_cluster"], setupAlone.Selected.Select(k => k.TaskId).Order(StringComparer.Ordinal));

        // Marking a state takes only the task: its teardown must still run to tear the cluster down.
        Assert.Equal(["work"], marked.Select(t => t.TaskId));
    }

    [Fact]
    public async Task SetState_RunningTryLosesItsRow_AndAMoveTheLifecycleRefusesIsAConflict()
    {
        await Get<DagService>().SetPausedAsync("etl", false, Api);
        await Get<DagRunService>().TriggerAsync(new("etl") { RunId = "r" }, Api);
        var tasks = Get<ITaskInstanceStore>();
        var key = new TaskInstanceKey("etl", "r", "extract");
        var now = TimeProvider.System.GetUtcNow();
        var queued = (await tasks.ForceQueueAsync(key, now))!;
        Assert.True(await tasks.StartAsync(key, queued.TryNumber, "host", 1, now));

        var marked = await Get<TaskInstanceService>().SetStateAsync(key, TaskInstanceState.Success, Api);
        var stillOwned = await tasks.HeartbeatAsync(key, queued.TryNumber, now);
        var finishedLate = await tasks.FinishAsync(key, queued.TryNumber, TaskInstanceState.Failed, now);
        await tasks.TransitionAsync([new TaskInstanceChange(new TaskInstanceKey("etl", "r", "load"), TaskInstanceState.None, TaskInstanceState.Removed)], now);
        var refused = await Assert.ThrowsAsync<OperationException>(() => Get<TaskInstanceService>().SetStateAsync(new TaskInstanceKey("etl", "r", "load"), TaskInstanceState.Skipped, Api));
        await Assert.ThrowsAsync<ArgumentException>(() => Get<TaskInstanceService>().SetStateAsync(key, TaskInstanceState.Running, Api));

        Assert.Equal(TaskInstanceState.Success, marked.State);
        Assert.False(stillOwned);
        Assert.False(finishedLate);
        Assert.Equal(TaskInstanceState.Success, (await tasks.GetAsync(key))!.State);
        Assert.Equal((OperationError.Conflict, "Task instance etl.load of run r cannot go from removed to skipped now."), (refused.Kind, refused.Message));
    }

    [Fact]
    public async Task Delete_UnknownDag_NotFound_KnownOneGoneWithItsRuns()
    {
        await Get<DagService>().SetPausedAsync("etl", false, Api);
        await Get<DagRunService>().TriggerAsync(new("etl") { RunId = "r" }, Api);

        await Get<DagService>().DeleteAsync("etl", Api);
        var again = await Assert.ThrowsAsync<OperationException>(() => Get<DagService>().DeleteAsync("etl", Api));

        Assert.Equal(OperationError.NotFound, again.Kind);
        Assert.Null(await Get<IDagRunStore>().GetAsync("etl", "r"));
    }
}
