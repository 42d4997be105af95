using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Storage.Tests;

/// <summary>The read side every store must serve the same way (filters, order, paging, totals); SQLite and PostgreSQL.</summary>
public abstract class QueryComplianceTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract MetadataDatabase Database { get; }

    private async Task<MetadataDatabase> SeededAsync()
    {
        await new Migrator(Database, TimeProvider.System).MigrateAsync();
        var dags = new DagStore(Database);
        var runs = new DagRunStore(Database);
        await dags.SyncAsync([Serialized("alpha"), Serialized("beta"), Serialized("alpha_2")], [], ["/dags/alpha.cs", "/dags/beta.cs", "/dags/alpha_2.cs"], TestTriggerKwargs.Cipher, Now);
        await dags.SetPausedAsync("beta", false);
        for (var day = 1; day <= 5; day++)
        {
            var run = await runs.CreateAsync(Serialized("alpha"), 1, $"r{day}", day % 2 == 0 ? DagRunType.Manual : DagRunType.Scheduled, Info(day), null, DagRunState.Queued, Now);
            if (day <= 2)
            {
                await runs.TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, Now.AddMinutes(day));
            }
        }

        await runs.CreateAsync(Serialized("beta"), 1, "r1", DagRunType.Manual, Info(3), null, DagRunState.Queued, Now);
        await new TaskInstanceStore(Database).TransitionAsync(
            [new TaskInstanceChange(new TaskInstanceKey("alpha", "r1", "a"), TaskInstanceState.None, TaskInstanceState.Success)], Now);
        return Database;
    }

    private static SerializedDag Serialized(string dagId)
    {
        var dag = new Dag(dagId, schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _ = dag.Empty("a") >> dag.Bash("b", "echo hi");
        return DagSerializer.Serialize(dag, new DagDefaults(), "hash-" + dagId) with { Fileloc = $"/dags/{dagId}.cs" };
    }

    private static DagRunInfo Info(int day) => DagRunInfo.Exact(new DateTimeOffset(2025, 1, day, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Dags_FilteredByPatternAndPaused_PagedInOrder()
    {
        var store = new DagStore(await SeededAsync());

        var alphas = await store.QueryAsync(new DagQuery { DagIdPattern = "ALPHA" });
        var pattern = await store.QueryAsync(new DagQuery { DagIdPattern = "a_" });
        var unpaused = await store.QueryAsync(new DagQuery { Paused = false });
        var second = await store.QueryAsync(new DagQuery { Page = new() { Limit = 1, Offset = 1, OrderBy = ["-dag_id"] } });

        Assert.Equal(["alpha", "alpha_2"], alphas.Items.Select(d => d.DagId));
        Assert.Equal(["alpha_2"], pattern.Items.Select(d => d.DagId));
        Assert.Equal(["beta"], unpaused.Items.Select(d => d.DagId));
        Assert.Equal(["alpha_2"], second.Items.Select(d => d.DagId));
        Assert.Equal(3, second.TotalEntries);
    }

    [Fact]
    public async Task Runs_FilteredByDagStateTypeAndDates_TotalOverAllPages()
    {
        var store = new DagRunStore(await SeededAsync());

        var page = await store.QueryAsync(new DagRunQuery { DagIds = ["alpha"], Page = new() { Limit = 2 } });
        var next = await store.QueryAsync(new DagRunQuery { DagIds = ["alpha"], Page = new() { Limit = 2, Offset = 2 } });
        var running = await store.QueryAsync(new DagRunQuery { States = [DagRunState.Running], Page = new() { OrderBy = ["start_date"] } });
        var manual = await store.QueryAsync(new DagRunQuery { DagIds = ["alpha"], RunTypes = ["manual"] });
        var window = await store.QueryAsync(new DagRunQuery
        {
            LogicalDateGte = Info(2).LogicalDate,
            LogicalDateLte = Info(3).LogicalDate,
            Page = new() { OrderBy = ["dag_id", "-logical_date"] },
        });
        var none = await store.QueryAsync(new DagRunQuery { DagIds = [] });

        Assert.Equal(["r5", "r4"], page.Items.Select(r => r.RunId));
        Assert.Equal(5, page.TotalEntries);
        Assert.Equal(["r3", "r2"], next.Items.Select(r => r.RunId));
        Assert.Equal(5, next.TotalEntries);
        Assert.Equal(["r1", "r2"], running.Items.Select(r => r.RunId));
        Assert.Equal(["r4", "r2"], manual.Items.Select(r => r.RunId));
        Assert.Equal([("alpha", "r3"), ("alpha", "r2"), ("beta", "r1")], window.Items.Select(r => (r.DagId, r.RunId)));
        Assert.Empty(none.Items);
        Assert.Equal(0, none.TotalEntries);
    }

    [Fact]
    public async Task Runs_LatestOfEachDag_AtMostSoManyOfEach_NewestFirst()
    {
        var store = new DagRunStore(await SeededAsync());

        var latest = await store.LatestOfEachAsync(["alpha", "beta", "alpha_2"], 2);

        Assert.Equal([("alpha", "r5"), ("alpha", "r4"), ("beta", "r1")], latest.Select(r => (r.DagId, r.RunId)));
        Assert.Empty(await store.LatestOfEachAsync([], 2));
    }

    [Fact]
    public async Task TaskInstances_FilteredByRunAndState_OrderedByAnyAllowedField()
    {
        var store = new TaskInstanceStore(await SeededAsync());

        var ofRun = await store.QueryAsync(new TaskInstanceQuery { DagId = "alpha", RunIds = ["r1"], Page = new() { OrderBy = ["-task_id"] } });
        var done = await store.QueryAsync(new TaskInstanceQuery { States = [TaskInstanceState.Success] });
        var waiting = await store.QueryAsync(new TaskInstanceQuery { DagId = "alpha", TaskIds = ["b"], States = [TaskInstanceState.None], Page = new() { Limit = 3 } });

        Assert.Equal(["b", "a"], ofRun.Items.Select(t => t.TaskId));
        Assert.Equal([("alpha", "r1", "a")], done.Items.Select(t => (t.DagId, t.RunId, t.TaskId)));
        Assert.Equal(3, waiting.Items.Count);
        Assert.Equal(5, waiting.TotalEntries);
    }

    [Fact]
    public async Task Query_UnknownOrderFieldOrBadPage_RefusedWithTheReason()
    {
        var db = await SeededAsync();

        var order = await Assert.ThrowsAsync<InvalidQueryException>(() => new DagRunStore(db).QueryAsync(new DagRunQuery { Page = new() { OrderBy = ["conf; DROP TABLE dag_run"] } }));
        var limit = await Assert.ThrowsAsync<InvalidQueryException>(() => new DagStore(db).QueryAsync(new DagQuery { Page = new() { Limit = 0 } }));
        var offset = await Assert.ThrowsAsync<InvalidQueryException>(() => new TaskInstanceStore(db).QueryAsync(new TaskInstanceQuery { Page = new() { Offset = -1 } }));

        Assert.StartsWith("Ordering with 'conf; DROP TABLE dag_run' is disallowed", order.Message);
        Assert.Contains("logical_date", order.Message);
        Assert.Equal("limit must be 1 or more, found 0.", limit.Message);
        Assert.Equal("offset must be 0 or more, found -1.", offset.Message);
        Assert.Equal(6, (await new DagRunStore(db).QueryAsync(new DagRunQuery())).TotalEntries);
    }
}

public sealed class SqliteQueryTests : QueryComplianceTests, IDisposable
{
    private readonly Updraft.Tests.Shared.SqliteTestFile _file = new("updraft-query");

    protected override MetadataDatabase Database => MetadataDatabase.FromUri(_file.Uri);

    public void Dispose() => _file.Dispose();
}

[Collection(Updraft.Tests.Shared.PostgresCollection.Name)]
public sealed class PostgresQueryTests(Updraft.Tests.Shared.PostgresServer server) : QueryComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}

[Collection(Updraft.Tests.Shared.MariaDbCollection.Name)]
public sealed class MariaDbQueryTests(Updraft.Tests.Shared.MariaDbServer server) : QueryComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}
