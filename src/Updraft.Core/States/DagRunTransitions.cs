namespace Updraft.Core.States;

/// <summary>The DAG-run lifecycle: the one table of moves a run may make (ADR 0011).</summary>
public static class DagRunTransitions
{
    private static readonly Dictionary<DagRunState, HashSet<DagRunState>> Moves = new()
    {
        [DagRunState.Queued] = [DagRunState.Running, DagRunState.Success, DagRunState.Failed],
        [DagRunState.Running] = [DagRunState.Success, DagRunState.Failed, DagRunState.Queued],
        // Clearing a finished run's tasks queues it again; a person may mark a finished run the other way.
        [DagRunState.Success] = [DagRunState.Queued, DagRunState.Failed],
        [DagRunState.Failed] = [DagRunState.Queued, DagRunState.Success],
    };

    public static bool IsAllowed(DagRunState from, DagRunState to) => Moves[from].Contains(to);

    /// <summary>Throws for a move the lifecycle does not allow (a bug in the caller, never a race).</summary>
    public static void Require(DagRunState from, DagRunState to)
    {
        if (!IsAllowed(from, to))
        {
            throw new InvalidOperationException($"A DAG run may not move from {from.ToWireName()} to {to.ToWireName()}.");
        }
    }
}
