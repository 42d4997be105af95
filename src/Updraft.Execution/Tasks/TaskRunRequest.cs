using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;

namespace Updraft.Execution.Tasks;

/// <summary>One try of one task instance: the task, its resolved settings, its run, and the stores it uses.</summary>
public sealed record TaskRunRequest(
    Operator Task,
    SerializedTask Settings,
    DagRunContext Run,
    int TryNumber,
    IXComStore XCom,
    IVariableStore Variables,
    IConnectionStore Connections,
    ITaskLogSink Log)
{
    /// <summary>The masker the try's log lines go through; share it to mask other output of the same try (its console).</summary>
    public SecretMasker Masker { get; init; } = new();
}
