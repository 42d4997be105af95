using System.Globalization;

namespace Updraft.Core.Runtime;

/// <summary>Airflow's run ids: <c>manual__2025-01-01T00:00:00+00:00</c> and friends.</summary>
public static class RunIds
{
    public static string Prefix(DagRunType type) => type switch
    {
        DagRunType.Manual => "manual",
        DagRunType.Scheduled => "scheduled",
        DagRunType.Backfill => "backfill",
        DagRunType.DatasetTriggered => "dataset_triggered",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The run type a stored name stands for (<see cref="Prefix"/>'s inverse); an unknown one reads as manual.</summary>
    public static DagRunType ParseType(string text) => text switch
    {
        "scheduled" => DagRunType.Scheduled,
        "backfill" => DagRunType.Backfill,
        "dataset_triggered" => DagRunType.DatasetTriggered,
        _ => DagRunType.Manual,
    };

    public static string Generate(DagRunType type, DateTimeOffset logicalDate) =>
        $"{Prefix(type)}__{Iso.Format(logicalDate)}";

    /// <summary>Whether <paramref name="runId"/> matches the allowed pattern <c>^[A-Za-z0-9_.~:+-]+$</c>.</summary>
    public static bool IsValid(string runId) =>
        runId.Length > 0 && runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '~' or ':' or '+' or '-');
}
