using System.Globalization;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// Waits until <see cref="Delta"/> after the end of the run's data interval (Airflow's <c>TimeDeltaSensor</c>): a daily
/// run for the 4th with a delta of 2 hours waits until 02:00 on the 5th. The result is the target time.
/// </summary>
public sealed class TimeDeltaSensor : SensorOperator
{
    internal TimeDeltaSensor(Dag dag, string taskId, TimeSpan delta, string file, int line)
        : base(dag, taskId, file, line) => Delta = delta;

    public override string OperatorName => "TimeDeltaSensor";

    public TimeSpan Delta { get; }

    protected override Task<PokeResult> PokeAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.DagRun.DataInterval.End + Delta;
        context.Log.Info($"Checking if the time ({Iso.Format(context.Clock.GetUtcNow())}) has come ({Iso.Format(target)})");
        return Task.FromResult(context.Clock.GetUtcNow() > target ? PokeResult.Done(Iso.Format(target)) : PokeResult.NotDone);
    }

    /// <summary>Deferrable, it waits for its target in the triggerer (Airflow's <c>TimeDeltaSensorAsync</c>).</summary>
    protected override Task<Triggers.Trigger?> WaitTriggerAsync(TaskContext context, TimeSpan pokeInterval)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult<Triggers.Trigger?>(new Triggers.DateTimeTrigger(context.DagRun.DataInterval.End + Delta + TimeSpan.FromMilliseconds(1)));
    }
}

/// <summary>
/// Waits until a moment (Airflow's <c>DateTimeSensor</c>): <see cref="TargetTime"/> is a template giving an ISO 8601
/// time (<c>{{ data_interval_end }}</c>, a macro, a literal); a time without an offset is UTC. The result is the target.
/// </summary>
public sealed class DateTimeSensor : SensorOperator
{
    internal DateTimeSensor(Dag dag, string taskId, string targetTime, string file, int line)
        : base(dag, taskId, file, line)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetTime);
        TargetTime = targetTime;
    }

    public override string OperatorName => "DateTimeSensor";

    public string TargetTime { get; }

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields()
    {
        yield return new("target_time", TargetTime);
    }

    protected override Task<PokeResult> PokeAsync(TaskContext context)
    {
        var target = Target(context);
        context.Log.Info($"Checking if the time ({Iso.Format(context.Clock.GetUtcNow())}) has come ({Iso.Format(target)})");
        return Task.FromResult(context.Clock.GetUtcNow() > target ? PokeResult.Done(Iso.Format(target)) : PokeResult.NotDone);
    }

    /// <summary>Deferrable, it waits for its target in the triggerer at once (Airflow's <c>DateTimeSensorAsync</c>).</summary>
    protected override Task<Triggers.Trigger?> WaitTriggerAsync(TaskContext context, TimeSpan pokeInterval) =>
        Task.FromResult<Triggers.Trigger?>(new Triggers.DateTimeTrigger(Target(context) + TimeSpan.FromMilliseconds(1)));

    private DateTimeOffset Target(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = (context.Rendered.GetValueOrDefault("target_time") ?? TargetTime).Trim();
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var target)
            ? target
            : throw new TaskFailedException($"Sensor '{TaskId}': target_time '{text}' is not a date and time (ISO 8601, such as 2025-03-01T06:00:00+00:00).");
    }
}
