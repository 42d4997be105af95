// Shared code: every .cs file under dags/_shared is compiled once, together, into an assembly that every DAG file in
// this folder can use (here, `using Acme.Warehouse;`). A .dll placed here is referenced the same way. These files are
// not DAG files; a compile error in one is an import error of that file. A DAG using this code gets a new version
// when it changes, and each run keeps the shared code of its own version.
namespace Acme.Warehouse;

/// <summary>The warehouse's naming rules, written once for every pipeline.</summary>
public static class Tables
{
    public static IReadOnlyList<string> Daily { get; } = ["orders", "customers", "refunds"];

    public static string Staging(string table) => $"staging.{table}";

    public static string Reporting(string table) => $"reporting.{table}_daily";
}

/// <summary>Tasks every pipeline of the team ends with.</summary>
public static class StandardTasks
{
    /// <summary>A task that announces what a run published, for the team's channel.</summary>
    public static Operator Announce(Dag dag, ITaskResult<string[]> published) =>
        dag.Task("announce", published, (TaskContext ctx, string[] tables) =>
            ctx.Log.Info($"{ctx.DagRun.DagId} published {string.Join(", ", tables)} for {ctx.DagRun.LogicalDate:yyyy-MM-dd}"));
}
