using System.Runtime.CompilerServices;

namespace Updraft.Core.Triggers;

/// <summary>
/// Waits for the answer to a human-in-the-loop task (Airflow's <c>HITLTrigger</c>), checking every
/// <see cref="PollInterval"/>. At <see cref="TimeoutAt"/> with no answer it records and fires the defaults, or fails
/// when there are none. The event's payload is the answer.
/// </summary>
public sealed class HumanResponseTrigger : Trigger
{
    public string DagId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string TaskId { get; init; } = "";

    public int MapIndex { get; init; } = -1;

    public DateTimeOffset? TimeoutAt { get; init; }

    public IReadOnlyList<string>? Defaults { get; init; }

    public System.Text.Json.Nodes.JsonObject Params { get; init; } = [];

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var responses = context.HumanResponses ?? throw new InvalidOperationException("HumanResponseTrigger needs the answers store, which this triggerer does not have.");
        var pause = PollInterval > TimeSpan.Zero ? PollInterval : TimeSpan.FromSeconds(1);
        while (true)
        {
            if (await responses.GetAsync(DagId, RunId, TaskId, MapIndex, cancellationToken) is { } answer)
            {
                context.Log.Info($"Answered by {answer.RespondedBy ?? "nobody (the defaults)"}: {string.Join(", ", answer.ChosenOptions)}.");
                yield return new TriggerEvent(answer.ToJson());
                yield break;
            }

            var now = context.Clock.GetUtcNow();
            if (TimeoutAt is { } timeout && now >= timeout)
            {
                if (Defaults is not { Count: > 0 } defaults)
                {
                    throw new TimeoutException($"Nobody answered before {Runtime.Iso.Format(timeout)}, and the task has no defaults to take.");
                }

                // Recorded, so a late answer is refused; a person who answered in the same instant wins.
                await responses.RespondAsync(DagId, RunId, TaskId, MapIndex, new Runtime.HumanResponse(defaults, Params, null, now), cancellationToken);
                continue;
            }

            var wait = TimeoutAt is { } until && until - now < pause ? until - now : pause;
            await Task.Delay(wait < TimeSpan.FromDays(1) ? wait : TimeSpan.FromDays(1), context.Clock, cancellationToken);
        }
    }
}
