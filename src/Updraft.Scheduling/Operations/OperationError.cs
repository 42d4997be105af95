namespace Updraft.Scheduling.Operations;

/// <summary>Why an operation was refused.</summary>
public enum OperationError
{
    /// <summary>What it names does not exist (REST 404).</summary>
    NotFound,

    /// <summary>It conflicts with the current state: a paused DAG, a run id already taken (REST 409).</summary>
    Conflict,

    /// <summary>The request itself cannot be carried out as asked: dates in the wrong order, a schedule it needs is missing (REST 422).</summary>
    Invalid,
}
