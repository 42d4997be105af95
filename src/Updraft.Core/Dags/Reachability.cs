namespace Updraft.Core.Dags;

/// <summary>Which tasks lie downstream (or upstream) of a task, following its edges transitively.</summary>
public static class Reachability
{
    /// <summary>Every id reachable from <paramref name="start"/> through <paramref name="next"/>, not counting <paramref name="start"/> itself.</summary>
    public static IReadOnlySet<string> From(string start, Func<string, IEnumerable<string>> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(next(start));
        while (pending.TryPop(out var id))
        {
            if (seen.Add(id))
            {
                foreach (var following in next(id))
                {
                    pending.Push(following);
                }
            }
        }

        seen.Remove(start);
        return seen;
    }
}
