using System.Text.Json.Nodes;
using Updraft.Core.Dags;

namespace Updraft.Execution.Testing;

/// <summary><c>dag.Test()</c>: a whole DAG run in-process, for a DAG author's own unit tests.</summary>
public static class DagTestExtensions
{
    public static Task<DagTestResult> TestAsync(this Dag dag, DateTimeOffset? logicalDate = null, JsonObject? conf = null, DagTestOptions? options = null, CancellationToken cancellationToken = default) =>
        new DagTester(options ?? new DagTestOptions()).RunAsync(dag, logicalDate, conf, cancellationToken);

    public static DagTestResult Test(this Dag dag, DateTimeOffset? logicalDate = null, JsonObject? conf = null, DagTestOptions? options = null) =>
        dag.TestAsync(logicalDate, conf, options).GetAwaiter().GetResult();
}
