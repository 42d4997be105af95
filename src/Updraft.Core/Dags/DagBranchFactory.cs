using System.Runtime.CompilerServices;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>Branching tasks: <c>dag.Branch(…)</c>, <c>dag.ShortCircuit(…)</c>, <c>dag.LatestOnly(…)</c>.</summary>
public static class DagBranchFactory
{
    /// <summary>A branch following the one task or group whose id the function returns (null: none).</summary>
    public static BranchTask Branch(this Dag dag, string taskId, Func<TaskContext, string?> choose, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(choose);
        return new(dag, taskId, ctx => Task.FromResult<IEnumerable<string>?>(choose(ctx) is { } id ? [id] : []), file, line);
    }

    /// <summary>A branch following every task or group whose id the function returns (none when empty).</summary>
    public static BranchTask Branch(this Dag dag, string taskId, Func<TaskContext, IEnumerable<string>?> choose, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(choose);
        return new(dag, taskId, ctx => Task.FromResult(choose(ctx)), file, line);
    }

    /// <summary>A branch whose choice is awaited (it may read XCom, call a service).</summary>
    public static BranchTask Branch(this Dag dag, string taskId, Func<TaskContext, Task<IEnumerable<string>?>> choose, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, choose ?? throw new ArgumentNullException(nameof(choose)), file, line);

    /// <summary>Goes on downstream only when <paramref name="condition"/> is true; see <see cref="ShortCircuitOperator"/>.</summary>
    public static ShortCircuitOperator ShortCircuit(this Dag dag, string taskId, Func<TaskContext, bool> condition, bool ignoreDownstreamTriggerRules = true, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return new(dag, taskId, ctx => Task.FromResult(condition(ctx)), file, line) { IgnoreDownstreamTriggerRules = ignoreDownstreamTriggerRules };
    }

    public static ShortCircuitOperator ShortCircuit(this Dag dag, string taskId, Func<TaskContext, Task<bool>> condition, bool ignoreDownstreamTriggerRules = true, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, condition ?? throw new ArgumentNullException(nameof(condition)), file, line) { IgnoreDownstreamTriggerRules = ignoreDownstreamTriggerRules };

    /// <summary>Lets its downstream tasks run only in the latest scheduled run; see <see cref="LatestOnlyOperator"/>.</summary>
    public static LatestOnlyOperator LatestOnly(this Dag dag, string taskId, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, file, line);
}
