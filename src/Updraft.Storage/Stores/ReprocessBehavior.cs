namespace Updraft.Storage.Stores;

/// <summary>What a backfill does with an interval that already has a run (Airflow's <c>reprocess_behavior</c>).</summary>
public enum ReprocessBehavior
{
    /// <summary>Leave every existing run alone (<c>none</c>).</summary>
    None,

    /// <summary>Run again the existing runs that failed (<c>failed</c>).</summary>
    Failed,

    /// <summary>Run again every existing run that has finished, failed or succeeded (<c>completed</c>).</summary>
    Completed,
}

/// <summary>The wire names of <see cref="ReprocessBehavior"/>.</summary>
public static class ReprocessBehaviors
{
    public static string ToWireName(this ReprocessBehavior behavior) => behavior switch
    {
        ReprocessBehavior.Failed => "failed",
        ReprocessBehavior.Completed => "completed",
        _ => "none",
    };

    public static bool TryParse(string? text, out ReprocessBehavior behavior)
    {
        (var ok, behavior) = text switch
        {
            "none" => (true, ReprocessBehavior.None),
            "failed" => (true, ReprocessBehavior.Failed),
            "completed" => (true, ReprocessBehavior.Completed),
            _ => (false, ReprocessBehavior.None),
        };
        return ok;
    }
}
