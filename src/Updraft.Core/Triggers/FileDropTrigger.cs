using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Updraft.Core.Triggers;

/// <summary>
/// Fires once for each file dropped into <see cref="Folder"/> whose name matches <see cref="Pattern"/> (a glob), oldest
/// first: the file is moved into <see cref="ProcessedFolder"/> and the event's payload is
/// <c>{"path": moved path, "name": file name, "size": bytes}</c>. Meant for asset watchers; checked every
/// <see cref="PokeInterval"/>. A file still being written is taken once it has not changed for one interval.
/// </summary>
public sealed class FileDropTrigger : Trigger
{
    /// <summary>The absolute folder to watch.</summary>
    public string Folder { get; init; } = "";

    public string Pattern { get; init; } = "*";

    /// <summary>Where taken files go (so a restarted triggerer does not take them again); default <c>Folder/processed</c>.</summary>
    public string? ProcessedFolder { get; init; }

    public TimeSpan PokeInterval { get; init; } = TimeSpan.FromSeconds(5);

    public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Path.IsPathRooted(Folder))
        {
            throw new ArgumentException($"FileDropTrigger needs an absolute folder, not '{Folder}'.");
        }

        var processed = ProcessedFolder ?? Path.Combine(Folder, "processed");
        var match = new Regex("^" + Runtime.Glob.ToRegexBody(Pattern) + "$", RegexOptions.CultureInvariant);
        var pause = PokeInterval > TimeSpan.Zero ? PokeInterval : TimeSpan.FromSeconds(1);
        var lastSeen = new Dictionary<string, (long Size, DateTime Written)>(StringComparer.Ordinal);
        while (true)
        {
            var files = Directory.Exists(Folder)
                ? new DirectoryInfo(Folder).EnumerateFiles().Where(f => match.IsMatch(f.Name)).OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).ToList()
                : [];
            var stable = new List<FileInfo>();
            var seenNow = new Dictionary<string, (long, DateTime)>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var state = (file.Length, file.LastWriteTimeUtc);
                seenNow[file.FullName] = state;
                if (lastSeen.TryGetValue(file.FullName, out var before) && before == state)
                {
                    stable.Add(file);
                }
            }

            lastSeen = seenNow;
            foreach (var file in stable)
            {
                Directory.CreateDirectory(processed);
                var target = Path.Combine(processed, file.Name);
                if (File.Exists(target))
                {
                    target = Path.Combine(processed, $"{Path.GetFileNameWithoutExtension(file.Name)}.{context.Clock.GetUtcNow():yyyyMMddHHmmssfff}{file.Extension}");
                }

                // The file is moved once its event is stored: a database error leaves it to be taken again.
                var taken = target;
                yield return new TriggerEvent(new JsonObject { ["path"] = target, ["name"] = file.Name, ["size"] = file.Length })
                {
                    Stored = _ =>
                    {
                        file.MoveTo(taken);
                        context.Log.Info($"Took {file.Name} ({file.Length} bytes) into {processed}.");
                        return Task.CompletedTask;
                    },
                };
                lastSeen.Remove(file.FullName);
            }

            await Task.Delay(pause < TimeSpan.FromDays(1) ? pause : TimeSpan.FromDays(1), context.Clock, cancellationToken);
        }
    }
}
