using Updraft.Core.Dags;

namespace Updraft.Core.Serialization;

/// <summary>A DAG's deadline as stored: <c>dagrun_queued_at</c>, <c>dagrun_logical_date</c> or <c>fixed_datetime</c>, and the interval or moment.</summary>
public sealed record SerializedDeadline
{
    public required string Reference { get; init; }

    /// <summary>Seconds after the reference (for the run references).</summary>
    public double IntervalSeconds { get; init; }

    /// <summary>For <c>fixed_datetime</c>: the moment.</summary>
    public DateTimeOffset? Moment { get; init; }

    public static SerializedDeadline? From(DeadlineAlert? alert) => alert is null ? null : new SerializedDeadline
    {
        Reference = alert.Reference switch
        {
            DeadlineReference.DagRunQueuedAt => "dagrun_queued_at",
            DeadlineReference.DagRunLogicalDate => "dagrun_logical_date",
            _ => "fixed_datetime",
        },
        IntervalSeconds = alert.Interval.TotalSeconds,
        Moment = alert.Moment,
    };

    /// <summary>When a run queued at <paramref name="queuedAt"/> with logical date <paramref name="logicalDate"/> must have finished by.</summary>
    /// <remarks>A deadline past the calendar's range is never reached: <see cref="DateTimeOffset.MaxValue"/>.</remarks>
    public DateTimeOffset DeadlineFor(DateTimeOffset queuedAt, DateTimeOffset logicalDate)
    {
        var reference = Reference switch
        {
            "dagrun_queued_at" => queuedAt,
            "dagrun_logical_date" => logicalDate,
            _ => (DateTimeOffset?)null,
        };
        if (reference is not { } from)
        {
            return Moment ?? DateTimeOffset.MaxValue;
        }

        var seconds = IntervalSeconds;
        var room = (seconds >= 0 ? DateTimeOffset.MaxValue - from : from - DateTimeOffset.MinValue).TotalSeconds;
        return Math.Abs(seconds) >= room ? (seconds >= 0 ? DateTimeOffset.MaxValue : DateTimeOffset.MinValue) : from.AddSeconds(seconds);
    }

    /// <summary>How a log line names the deadline: <c>dagrun_queued_at + 900 s</c>, or the fixed moment.</summary>
    public string Describe() => Reference == "fixed_datetime" ? $"fixed_datetime {Moment:O}" : $"{Reference} + {IntervalSeconds:0.###} s";
}
