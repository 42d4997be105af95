using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Updraft.Core.Triggers;

/// <summary>
/// Fires when <see cref="Filepath"/> exists (Airflow's <c>FileTrigger</c>): a file, or a folder holding a file; a glob
/// as the file sensor takes it. Checked every <see cref="PokeInterval"/>; the event's payload is the first match.
/// </summary>
public sealed class FileTrigger : Trigger
{
    /// <summary>The absolute path or glob to wait for.</summary>
    public string Filepath { get; init; } = "";

    /// <summary>Whether <c>**</c> matches across folders.</summary>
    public bool Recursive { get; init; }

    public TimeSpan PokeInterval { get; init; } = TimeSpan.FromSeconds(5);

    public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Path.IsPathRooted(Filepath))
        {
            throw new ArgumentException($"FileTrigger needs an absolute path, not '{Filepath}'.");
        }

        var pause = PokeInterval > TimeSpan.Zero ? PokeInterval : TimeSpan.FromSeconds(1);
        while (true)
        {
            if (Dags.FileSensor.Matches(Filepath, Recursive).FirstOrDefault() is { } found)
            {
                context.Log.Info($"Found {found}.");
                yield return new TriggerEvent(JsonValue.Create(found));
                yield break;
            }

            await Task.Delay(pause < TimeSpan.FromDays(1) ? pause : TimeSpan.FromDays(1), context.Clock, cancellationToken);
        }
    }
}
