using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;

namespace Updraft.Core.Triggers;

/// <summary>
/// Fires at <see cref="Moment"/> (Airflow's <c>DateTimeTrigger</c>; its <c>TimeDeltaTrigger</c> is
/// <see cref="After"/>), with the moment as its payload.
/// </summary>
public sealed class DateTimeTrigger : Trigger
{
    public DateTimeTrigger(DateTimeOffset moment) => Moment = moment.ToUniversalTime();

    public DateTimeOffset Moment { get; init; }

    /// <summary>A trigger firing <paramref name="delta"/> from now.</summary>
    public static DateTimeTrigger After(TimeSpan delta, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new(clock.GetUtcNow() + delta);
    }

    public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        // In steps of at most a day: a timer cannot be set further out than about 49 days.
        for (var wait = Moment - context.Clock.GetUtcNow(); wait > TimeSpan.Zero; wait = Moment - context.Clock.GetUtcNow())
        {
            await Task.Delay(wait < TimeSpan.FromDays(1) ? wait : TimeSpan.FromDays(1), context.Clock, cancellationToken);
        }

        yield return new TriggerEvent(JsonValue.Create(Iso.Format(Moment)));
    }
}
