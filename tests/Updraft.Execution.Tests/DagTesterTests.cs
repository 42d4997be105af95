using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Testing;

namespace Updraft.Execution.Tests;

public sealed class DagTesterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("updraft-exec-").FullName;
    private readonly ListSink _log = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private DagTestResult Run(Dag dag, JsonObject? conf = null) =>
        dag.Test(new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero), conf, new DagTestOptions { Log = _log });

    private sealed record Order(int Id, decimal Amount);

    [Fact]
    public void Test_TaskFlow_PassesTypedValuesDownstream()
    {
        var dag = new Dag("flow");
        var orders = dag.Task("extract", _ => new[] { new Order(1, 2.5m), new Order(2, 4m) });
        var total = dag.Task("total", orders, (Order[] o) => o.Sum(x => x.Amount));
        var count = dag.Task("count", orders, (TaskContext _, Order[] o) => o.Length);
        dag.Task("report", total, count, (decimal t, int c) => $"{c} orders, {t}");

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(6.5m, result.XComValue<decimal>("total"));
        Assert.Equal("2 orders, 6.5", result.XComValue<string>("report"));
    }

    [Fact]
    public async Task TestAsync_AsyncTasks_Awaited()
    {
        var dag = new Dag("async");
        var first = dag.Task("first", async _ =>
        {
            await Task.Yield();
            return 20;
        });
        dag.Task("second", first, async (int n) =>
        {
            await Task.Yield();
            return n + 1;
        });
        var result = await dag.TestAsync(options: new DagTestOptions { Log = _log });
        Assert.Equal(21, result.XComValue<int>("second"));
    }

    [Fact]
    public void Test_ExplicitXCom_PushAndPull()
    {
        var dag = new Dag("xcom");
        var push = dag.Task("push", ctx => ctx.XCom.PushAsync("k", new[] { "a", "b" }));
        var pull = dag.Task("pull", async ctx => string.Join("+", await ctx.XCom.PullAsync<string[]>("push", "k") ?? []));
        _ = push >> pull;
        Assert.Equal("a+b", Run(dag).XComValue<string>("pull"));
    }

    [Fact]
    public void Test_Bash_RendersTemplatesAndPushesLastLine()
    {
        var dag = new Dag("bash") { Params = { ["who"] = "world" } };
        dag.Bash("hello", "echo first; echo \"hello {{ params.who }} on {{ ds }} try {{ ti.try_number }}\"");
        var result = Run(dag);
        Assert.Equal("hello world on 2025-01-02 try 1", result.XComValue<string>("hello"));
        Assert.Contains("first", _log.Messages);
    }

    [Fact]
    public void Test_BashExit99_SkipsAndDownstreamSkips()
    {
        var dag = new Dag("skip");
        _ = dag.Bash("maybe", "exit 99") >> dag.Empty("after");
        var result = Run(dag);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["maybe"]);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["after"]);
        Assert.Equal(DagRunState.Success, result.State);
    }

    [Fact]
    public void Test_BashNonZero_FailsWithExitCode()
    {
        var dag = new Dag("fail");
        _ = dag.Bash("broken", "echo oops >&2; exit 3") >> dag.Empty("after");
        var result = Run(dag);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["broken"]);
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.TaskStates["after"]);
        Assert.Equal(DagRunState.Failed, result.State);
        Assert.Contains(_log.Messages, m => m.Contains("non-zero exit code 3", StringComparison.Ordinal));
        Assert.Contains("oops", _log.Messages);
    }

    [Fact]
    public void Test_BashEnvAndCwd_ReplaceEnvironmentUnlessAppended()
    {
        var dag = new Dag("env");
        var only = dag.Bash("only", "echo \"${GREETING:-unset}-${HOME:-nohome}-$(pwd)\"");
        only.Env = new() { ["GREETING"] = "hi {{ ds_nodash }}" };
        only.Cwd = _dir;
        var appended = dag.Bash("appended", "echo \"${GREETING}-${HOME:+hashome}\"");
        appended.Env = new() { ["GREETING"] = "yo" };
        appended.AppendEnv = true;

        var result = Run(dag);

        Assert.Equal($"hi 20250102-nohome-{_dir}", result.XComValue<string>("only"));
        Assert.Equal("yo-hashome", result.XComValue<string>("appended"));
    }

    [Fact]
    public void Test_FailingTaskWithRetries_TriesRetriesPlusOne()
    {
        var dag = new Dag("retry");
        var tries = 0;
        var task = dag.Task("flaky", _ =>
        {
            tries++;
            throw new InvalidOperationException("always");
        });
        task.Retries = 2;
        var result = Run(dag);
        Assert.Equal(3, tries);
        Assert.Equal(3, result.Tries["flaky"]);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["flaky"]);
    }

    [Fact]
    public void Test_TaskSucceedsOnRetry_RunSucceeds()
    {
        var dag = new Dag("retry_ok") { DefaultArgs = new() { Retries = 1 } };
        dag.Task("flaky", ctx => ctx.TryNumber == 1 ? throw new TimeoutException("first") : ctx.TryNumber);
        var result = Run(dag);
        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(2, result.XComValue<int>("flaky"));
    }

    [Fact]
    public void Test_TaskFailedException_DoesNotRetry()
    {
        var dag = new Dag("no_retry");
        var task = dag.Task("fatal", (TaskContext _) => throw new TaskFailedException("bad input, retrying won't help"));
        task.Retries = 5;
        Assert.Equal(1, Run(dag).Tries["fatal"]);
    }

    [Fact]
    public void Test_TaskSkippedException_Skips()
    {
        var dag = new Dag("skip_ex");
        dag.Task("nothing", (TaskContext _) => throw new TaskSkippedException());
        Assert.Equal(TaskInstanceState.Skipped, Run(dag).TaskStates["nothing"]);
    }

    [Fact]
    public void Test_CooperativeTaskPastTimeout_FailsAsTimedOut()
    {
        var dag = new Dag("timeout");
        var slow = dag.Task("slow", ctx => Task.Delay(Timeout.InfiniteTimeSpan, ctx.CancellationToken));
        slow.ExecutionTimeout = TimeSpan.FromMilliseconds(200);
        var result = Run(dag);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["slow"]);
        Assert.Contains(_log.Messages, m => m.Contains("timed out after 0.2 seconds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Test_BashPastTimeout_ProcessTreeKilled()
    {
        var pidFile = Path.Combine(_dir, "pid");
        var dag = new Dag("bash_timeout");
        var sleeper = dag.Bash("sleeper", $"sleep 60 & echo $! > {pidFile}; wait");
        sleeper.ExecutionTimeout = TimeSpan.FromMilliseconds(500);

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["sleeper"]);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        // The kill is sent when the timeout fires; on a loaded machine the process may take a moment to be gone.
        static bool Alive(int pid)
        {
            try
            {
                return Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }

        for (var i = 0; i < 100 && Alive(pid); i++)
        {
            await Task.Delay(50);
        }

        Assert.False(Alive(pid), "the child process outlived the timeout");
    }

    [Fact]
    public void Test_TemplateError_FailsTaskWithMessage()
    {
        var dag = new Dag("template");
        dag.Bash("bad", "echo {{ params.nope }}");
        var result = Run(dag);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["bad"]);
        Assert.Contains(_log.Messages, m => m.Contains("'params.nope' is undefined", StringComparison.Ordinal));
    }

    [Fact]
    public void Test_Conf_OverridesParams()
    {
        var dag = new Dag("conf") { Params = { ["n"] = new Param(1) { Maximum = 10 } } };
        dag.Task("read", ctx => ctx.Params.Get<int>("n") * 2);
        Assert.Equal(14, Run(dag, new JsonObject { ["n"] = 7 }).XComValue<int>("read"));
        Assert.Throws<ParamValidationException>(() => Run(dag, new JsonObject { ["n"] = 70 }));
    }

    [Fact]
    public void Test_RunIdAndDatesFollowAirflow()
    {
        var dag = new Dag("dates", schedule: "@daily");
        dag.Task("show", ctx => $"{ctx.RunId}|{ctx.Ds}|{ctx.Ts}|{Iso.Format(ctx.DataIntervalEnd)}");
        var value = Run(dag).XComValue<string>("show");
        Assert.Equal("manual__2025-01-02T00:00:00+00:00|2025-01-02|2025-01-02T00:00:00+00:00|2025-01-02T00:00:00+00:00", value);
    }

    [Fact]
    public async Task RunTaskAsync_IgnoresDependencies()
    {
        var dag = new Dag("single");
        var ran = false;
        _ = dag.Task("first", (TaskContext _) => throw new InvalidOperationException("not run")) >> dag.Task("second", _ => ran = true);
        var result = await new DagTester(new DagTestOptions { Log = _log }).RunTaskAsync(dag, "second");
        Assert.Equal(TaskInstanceState.Success, result.State);
        Assert.True(ran);
    }

    private sealed class ListSink : ITaskLogSink
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message)
        {
            lock (_messages)
            {
                _messages.Add(message);
            }
        }
    }
}
