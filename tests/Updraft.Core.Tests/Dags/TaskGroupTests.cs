using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.Timetables;

namespace Updraft.Core.Tests.Dags;

public class TaskGroupTests
{
    [Fact]
    public void Serialize_GroupDefaultsWinOverTheDagsAndNestedGroupsOverTheirParents()
    {
        var dag = new Dag("defaults") { DefaultArgs = new() { Retries = 1, Pool = "dag_pool", Owner = "dag_owner" } };
        using (dag.Group("outer", defaultArgs: new() { Retries = 2, Pool = "outer_pool" }))
        {
            dag.Empty("a");
            using (dag.Group("inner", defaultArgs: new() { Retries = 3 }))
            {
                dag.Empty("b").Retries = 5;
                dag.Empty("c");
            }
        }

        dag.Empty("top");
        var serialized = DagSerializer.Serialize(dag, new DagDefaults());

        var settings = serialized.Tasks.ToDictionary(t => t.TaskId, t => (t.Retries, t.Pool, t.Owner, t.TaskGroupId));
        Assert.Equal((2, "outer_pool", "dag_owner", "outer"), settings["outer.a"]);
        Assert.Equal((5, "outer_pool", "dag_owner", "outer.inner"), settings["outer.inner.b"]);
        Assert.Equal((3, "outer_pool", "dag_owner", "outer.inner"), settings["outer.inner.c"]);
        Assert.Equal((1, "dag_pool", "dag_owner", null), settings["top"]);
        var inner = Assert.Single(serialized.TaskGroups, g => g.GroupId == "outer.inner");
        Assert.Equal("outer", inner.ParentGroupId);
        Assert.Equal(["outer.inner.b", "outer.inner.c"], inner.TaskIds);
        Assert.Equal(["outer.inner"], Assert.Single(serialized.TaskGroups, g => g.GroupId == "outer").ChildGroupIds);
    }

    [Fact]
    public void Serialize_GroupsRoundTripThroughJson()
    {
        var dag = new Dag("json");
        dag.Group("g", _ => dag.Empty("t"), tooltip: "tip");
        var back = DagSerializer.FromJson(DagSerializer.ToJson(DagSerializer.Serialize(dag, new DagDefaults())));
        Assert.Equal("tip", Assert.Single(back.TaskGroups).Tooltip);
        Assert.Equal("g", back.GetTask("g.t").TaskGroupId);
    }

    [Fact]
    public void PrefixGroupIdFalse_KeepsTaskIdsAsWritten()
    {
        var dag = new Dag("plain");
        dag.Group("g", _ => dag.Empty("t"), prefixGroupId: false);
        Assert.True(dag.TryGetTask("t", out var task));
        Assert.Equal("g", task.Group?.GroupId);
    }

    [Fact]
    public void GroupIdUsedByATask_IsAnImportError()
    {
        var dag = new Dag("clash");
        dag.Empty("load");
        var error = Assert.Throws<DagDefinitionException>(() => dag.Group("load"));
        Assert.Contains("The task group id 'load' is already used", error.Message);
    }

    [Fact]
    public void ClosingAnOuterGroupFirst_IsAnImportError()
    {
        var dag = new Dag("order");
        var outer = dag.Group("outer");
        dag.Group("inner");
        var error = Assert.Throws<DagDefinitionException>(outer.Dispose);
        Assert.Contains("group 'outer.inner' inside it is still open", error.Message);
    }

    [Fact]
    public void GroupToGroup_LinksLeavesToRoots_AndTeardownsAreNotLeaves()
    {
        var dag = new Dag("wiring");
        var first = dag.Group("first", _ =>
        {
            var setup = dag.Empty("setup").AsSetup();
            setup.Then(dag.Empty("work")).Then(dag.Empty("teardown").AsTeardown((Operator)setup));
        });
        var second = dag.Group("second", _ => dag.Empty("x").Then(dag.Empty("y")));
        first.Then(second);

        Assert.Equal(["first.work"], dag.GetTask("second.x").UpstreamTaskIds);
        Assert.Equal(["first.setup"], first.Roots.Select(t => t.TaskId));
    }

    [Fact]
    public void ResolveTaskOrGroupIds_NamesEveryUnknownId()
    {
        var dag = new Dag("resolve");
        dag.Group("g", _ => dag.Empty("t"));
        Assert.Equal(["g.t"], dag.ResolveTaskOrGroupIds(["g"]));
        var error = Assert.Throws<ArgumentException>(() => dag.ResolveTaskOrGroupIds(["x", "g.t", "y"]));
        Assert.Equal("'x', 'y' are not tasks or task groups of DAG 'resolve'.", error.Message);
    }

    [Theory]
    [InlineData("2025-01-05T00:00", "2025-01-06T00:30", true)]
    [InlineData("2025-01-05T00:00", "2025-01-07T00:00", true)]
    [InlineData("2025-01-05T00:00", "2025-01-07T00:01", false)]
    [InlineData("2025-01-01T00:00", "2025-01-06T00:30", false)]
    public async Task LatestOnly_DataIntervals_SkipsUnlessTheNextIntervalHasNotEnded(string start, string now, bool latest)
    {
        // Airflow's window for a daily data interval [D, D+1): latest while D < now <= D+2.
        var dag = new Dag("latest", "@daily", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var check = dag.LatestOnly("latest_only");
        check.Then(dag.Empty("notify"));
        var begin = Utc(start);
        var context = Scheduled(check, new DataInterval(begin, begin.AddDays(1)), ScheduleSpec.ForCron(ScheduleKind.CronDataInterval, new CronSchedule(CronExpression.Parse("0 0 * * *"), TimeZoneInfo.Utc)), Utc(now));

        await check.ExecuteAsync(context);

        Assert.Equal(latest ? [] : ["notify"], context.DownstreamToSkip);
    }

    [Fact]
    public async Task LatestOnly_TriggerSchedule_LatestUntilTheNextFireTime()
    {
        var dag = new Dag("latest_trigger", "@daily", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var check = dag.LatestOnly("latest_only");
        check.Then(dag.Empty("notify"));
        var spec = ScheduleSpec.ForCron(ScheduleKind.CronTrigger, new CronSchedule(CronExpression.Parse("0 0 * * *"), TimeZoneInfo.Utc));
        var at = Utc("2025-01-05T00:00");

        var current = Scheduled(check, new DataInterval(at, at), spec, Utc("2025-01-05T12:00"));
        await check.ExecuteAsync(current);
        var old = Scheduled(check, new DataInterval(at, at), spec, Utc("2025-01-06T00:01"));
        await check.ExecuteAsync(old);

        Assert.Empty(current.DownstreamToSkip);
        Assert.Equal(["notify"], old.DownstreamToSkip);
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    private static TaskContext Scheduled(Operator task, DataInterval interval, ScheduleSpec timetable, DateTimeOffset now)
    {
        var basic = TestContexts.For(task);
        return new TaskContext
        {
            DagRun = new DagRunContext(task.Dag.DagId, "scheduled__x", DagRunType.Scheduled, interval.Start, interval) { Timetable = timetable },
            Task = task,
            TryNumber = 1,
            Log = basic.Log,
            XComStore = basic.XComStore,
            Variables = basic.Variables,
            Connections = basic.Connections,
            Clock = new FixedClock(now),
        };
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
