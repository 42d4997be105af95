using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Testing;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// Isolated tasks under <c>dag.Test()</c> in a unit-test project (no DAG file to load elsewhere); in fresh processes
/// they are tested in <see cref="SchedulerTests"/> (worker) and the CLI's example tests (<c>dags test</c>).
/// </summary>
public sealed class IsolatedTaskTests
{
    [Fact]
    public void WithoutAnIsolation_AnIsolatedTaskRunsInTheTestsProcess_AndSaysSo()
    {
        var lines = new List<string>();
        var dag = new Dag("iso_unit");
        dag.Task("here", ctx => Environment.ProcessId).With(t => t.Isolated = true);

        var result = dag.Test(options: new DagTestOptions { Log = new LineSink(lines) });

        Assert.Equal(TaskInstanceState.Success, result.TaskStates["here"]);
        Assert.Equal(Environment.ProcessId, result.XComValue<int>("here"));
        Assert.Contains("Task here is isolated; running it in this process (there is no DAG file here to load in a fresh one)", lines);
    }
}
