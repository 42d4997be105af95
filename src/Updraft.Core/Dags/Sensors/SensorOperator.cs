using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// The base of every sensor (Airflow's <c>BaseSensorOperator</c>): <see cref="PokeAsync"/> is called every
/// <see cref="PokeInterval"/> until it reports done, whose value becomes the task's result; past <see cref="Timeout"/>
/// the sensor fails without a retry, or with <see cref="SoftFail"/> skips. With <see cref="ExponentialBackoff"/> the
/// interval doubles from poke to poke (with Airflow's jitter), never past <see cref="MaxWait"/>. In
/// <see cref="SensorMode.Poke"/> mode (the default) the sensor holds its worker slot while it waits; in
/// <see cref="SensorMode.Reschedule"/> mode each poke is a run of its own and the slot is free in between (state
/// <c>up_for_reschedule</c>), the timeout counted from the try's first poke.
/// </summary>
public abstract class SensorOperator : Operator
{
    protected SensorOperator(Dag dag, string taskId, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
    }

    /// <summary>How long to wait between pokes (60 s, as Airflow).</summary>
    public TimeSpan PokeInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait in all before failing (7 days, as Airflow).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Skip instead of failing on timeout (and on the failures a sensor reports itself).</summary>
    public bool SoftFail { get; set; }

    /// <summary>Wait longer after each unsuccessful poke (Airflow's <c>exponential_backoff</c>).</summary>
    public bool ExponentialBackoff { get; set; }

    /// <summary>The longest wait between pokes with <see cref="ExponentialBackoff"/>; null for no bound but the timeout.</summary>
    public TimeSpan? MaxWait { get; set; }

    /// <summary>Whether the sensor holds its slot between pokes (<c>poke</c>) or gives it back (<c>reschedule</c>).</summary>
    public SensorMode Mode { get; set; } = SensorMode.Poke;

    /// <summary>
    /// Wait between pokes in the triggerer (Airflow's <c>deferrable=True</c>): no slot and no try is held meanwhile.
    /// Sensors with a trigger of their own (<see cref="WaitTriggerAsync"/>: file, date-time, external task, HTTP) wait
    /// on it and poke once more when it fires; the others defer on a <see cref="Triggers.DateTimeTrigger"/> to their next poke.
    /// </summary>
    public bool Deferrable { get; set; }

    /// <summary>One check: done (with the value to return) or not yet.</summary>
    protected abstract Task<PokeResult> PokeAsync(TaskContext context);

    /// <summary>
    /// For a deferrable sensor: a trigger that waits, in the triggerer, until a poke is worth making again (checking
    /// every <paramref name="pokeInterval"/> if it polls); null (the default) to wait the poke interval on a
    /// <see cref="Triggers.DateTimeTrigger"/>.
    /// </summary>
    protected virtual Task<Triggers.Trigger?> WaitTriggerAsync(TaskContext context, TimeSpan pokeInterval) => Task.FromResult<Triggers.Trigger?>(null);

    /// <summary>
    /// What a deferrable sensor's trigger failing becomes (Airflow's <c>resume_execution</c> of sensors): its timeout
    /// fails the sensor without retries, another error fails it with retries; with <see cref="SoftFail"/> either skips.
    /// </summary>
    public Exception TriggerFailed(string error) =>
        SoftFail ? new TaskSkippedException($"{error} Skipping (soft fail).")
        : error.StartsWith("Trigger timeout", StringComparison.Ordinal) ? new TaskFailedException($"Sensor has timed out while deferred: {error}")
        : new InvalidOperationException(error);

    /// <summary>
    /// What a poke throws when it finds the wait can never succeed (a failure criterion met, the awaited task failed):
    /// the task fails (its retries apply), or with <see cref="SoftFail"/> skips.
    /// </summary>
    protected Exception SensorFailure(string message) =>
        SoftFail ? new TaskSkippedException(message + " Skipping (soft fail).") : new InvalidOperationException(message);

    public override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Validate();
        // A deferrable sensor carries its first poke and count through its deferrals.
        var started = context.NextKwargs?["first_poke"]?.GetValue<DateTimeOffset>() ?? context.FirstPokeAt ?? context.Clock.GetUtcNow();
        var pokesBefore = context.NextKwargs?["pokes"]?.GetValue<int>() ?? context.Reschedules;
        for (var poke = pokesBefore + 1; ; poke++)
        {
            var result = await PokeAsync(context);
            if (result.IsDone)
            {
                context.Log.Info("Success criteria met. Exiting.");
                return result.Value;
            }

            var waited = context.Clock.GetUtcNow() - started;
            if (waited >= Timeout)
            {
                var timedOut = $"Sensor has timed out; run duration of {Seconds(waited)} seconds exceeds the specified timeout of {Seconds(Timeout)}.";
                throw SoftFail ? new TaskSkippedException(timedOut + " Skipping (soft fail).") : new TaskFailedException(timedOut);
            }

            var pause = NextPokeInterval(context.DagId, context.MapIndex, started, poke, Timeout - waited);
            if (Deferrable)
            {
                // A trigger of its own runs until the wait looks over, within what is left of the timeout; a plain
                // wait defers to the next poke, which checks the timeout itself.
                var own = await WaitTriggerAsync(context, PokeInterval);
                var left = Timeout - waited;
                context.Defer(
                    own ?? new Triggers.DateTimeTrigger(context.Clock.GetUtcNow() + pause),
                    TaskContext.ExecuteMethod,
                    own is not null ? left : left > TimeSpan.MaxValue - pause ? TimeSpan.MaxValue : left + pause,
                    new System.Text.Json.Nodes.JsonObject { ["first_poke"] = started, ["pokes"] = poke });
            }

            if (Mode == SensorMode.Reschedule)
            {
                throw new TaskRescheduleException(context.Clock.GetUtcNow() + pause);
            }

            await Task.Delay(pause, context.Clock, context.CancellationToken);
        }
    }

    /// <summary>
    /// The wait after poke <paramref name="poke"/> (1 for the first): the interval, or with exponential backoff Airflow's
    /// <c>poke_interval × 2^(n−2)</c> plus a jitter of up to as much again, taken from a hash of the task and start so
    /// that sensors started together do not poke together; never more than <paramref name="left"/> or <see cref="MaxWait"/>.
    /// </summary>
    internal TimeSpan NextPokeInterval(string dagId, int mapIndex, DateTimeOffset started, int poke, TimeSpan left)
    {
        var interval = PokeInterval;
        if (ExponentialBackoff)
        {
            var minimum = Math.Max(PokeInterval.TotalSeconds * Math.Pow(2, poke - 2), 1);
            var seed = $"{dagId}#{TaskId}#{mapIndex}#{started.ToUnixTimeMilliseconds()}#{poke}";
            var hash = BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(seed)), 0);
            var seconds = minimum + (minimum >= ulong.MaxValue ? 0 : hash % (ulong)Math.Floor(minimum));
            interval = TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2));
            if (MaxWait is { } max && interval > max)
            {
                interval = max;
            }
        }

        return interval < left ? interval : left;
    }

    private void Validate()
    {
        if (PokeInterval < TimeSpan.Zero || Timeout < TimeSpan.Zero)
        {
            throw new TaskFailedException($"Sensor '{TaskId}': the poke interval and the timeout must not be negative.");
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>How a sensor waits between pokes.</summary>
public enum SensorMode
{
    /// <summary>In its try, holding its worker slot.</summary>
    Poke,

    /// <summary>Out of its try: the slot is freed and the sensor is run again when the next poke is due.</summary>
    Reschedule,
}

/// <summary>What one poke found: done (with the sensor's result) or not yet.</summary>
public readonly record struct PokeResult(bool IsDone, object? Value = null)
{
    public static PokeResult NotDone => default;

    public static PokeResult Done(object? value = null) => new(true, value);

    public static implicit operator PokeResult(bool done) => new(done);
}

/// <summary>What one poke of a sensor written as a function found: done with a typed value for XCom, or not yet (Airflow's <c>PokeReturnValue</c>).</summary>
public readonly record struct PokeResult<T>(bool IsDone, T? Value = default)
{
    public static implicit operator PokeResult<T>(bool done) => new(done);
}
