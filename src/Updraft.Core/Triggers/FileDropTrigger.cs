using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Updraft.Core.Triggers;

/// <summary>
/// Fires once for each file dropped into <see cref="Folder"/> whose name matches <see cref="Pattern"/> (a glob), oldest
/// first, with the payload <c>{"path": where it ends up, "name": file name, "size": bytes}</c>. Meant for asset
/// watchers; checked every <see cref="PokeInterval"/>. A file still being written is taken once it has not changed for
/// one interval. A taken file is moved into <c>ProcessedFolder/.inflight</c> before its event (a file that cannot be
/// moved fails there, recording nothing), and into <see cref="ProcessedFolder"/> once the event is stored; files left
/// in flight by a crash or a database error are delivered again first when the trigger starts.
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
        var inflight = Path.Combine(processed, ".inflight");
        if (Directory.Exists(inflight))
        {
            foreach (var left in new DirectoryInfo(inflight).EnumerateFiles().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).ToList())
            {
                context.Log.Info($"Delivering {left.Name} again: it was taken before, and its event may not have been stored.");
                yield return Deliver(left);
            }
        }

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
                lastSeen.Remove(file.FullName);
                Directory.CreateDirectory(inflight);
                file.MoveTo(Unique(inflight, file.Name));
                yield return Deliver(file);
            }

            await Task.Delay(pause < TimeSpan.FromDays(1) ? pause : TimeSpan.FromDays(1), context.Clock, cancellationToken);
        }

        // The event of a file in flight; stored, it moves on into the processed folder.
        TriggerEvent Deliver(FileInfo taken)
        {
            var target = Unique(processed, taken.Name);
            return new TriggerEvent(new JsonObject { ["path"] = target, ["name"] = taken.Name, ["size"] = taken.Length })
            {
                Stored = _ =>
                {
                    taken.MoveTo(target);
                    context.Log.Info($"Took {taken.Name} ({taken.Length} bytes) into {processed}.");
                    return Task.CompletedTask;
                },
            };
        }

        string Unique(string folder, string name)
        {
            var path = Path.Combine(folder, name);
            return File.Exists(path)
                ? Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(name)}.{context.Clock.GetUtcNow():yyyyMMddHHmmssfff}{Path.GetExtension(name)}")
                : path;
        }
    }
}
