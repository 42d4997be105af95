namespace Updraft.Core.States;

/// <summary>The state of a DAG run.</summary>
public enum DagRunState
{
    Queued,
    Running,
    Success,
    Failed,
}
