using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// Waits for a file or folder to exist (Airflow's <c>FileSensor</c>). The path is a template and may be a glob
/// (<c>*</c> and <c>?</c> within a name, <c>**</c> across folders with <see cref="Recursive"/>); a relative path is taken under the <c>path</c> extra of
/// the <see cref="FsConnId"/> connection when it exists. A folder counts when it holds at least one file. The result
/// is the matching paths.
/// </summary>
public sealed class FileSensor : SensorOperator, ITaskResult<string[]>
{
    internal FileSensor(Dag dag, string taskId, string filepath, string file, int line)
        : base(dag, taskId, file, line)
    {
        ArgumentException.ThrowIfNullOrEmpty(filepath);
        Filepath = filepath;
    }

    public override string OperatorName => "FileSensor";

    public Operator Producer => this;

    public string Filepath { get; }

    /// <summary>The connection whose <c>path</c> extra a relative path is under (Airflow's <c>fs_conn_id</c>).</summary>
    public string FsConnId { get; set; } = "fs_default";

    /// <summary>Whether <c>**</c> in the pattern matches across folders.</summary>
    public bool Recursive { get; set; }

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields()
    {
        yield return new("filepath", Filepath);
    }

    protected override async Task<PokeResult> PokeAsync(TaskContext context)
    {
        var path = await PathAsync(context);
        context.Log.Info($"Poking for file {path}");
        var found = Matches(path, Recursive).ToList();
        foreach (var match in found)
        {
            context.Log.Info($"Found File {match} last modified: {File.GetLastWriteTimeUtc(match):O}");
        }

        return found.Count > 0 ? PokeResult.Done(found.ToArray()) : PokeResult.NotDone;
    }

    /// <summary>Deferrable, it waits in the triggerer for the path, checked every poke interval (Airflow's <c>FileTrigger</c>).</summary>
    protected override async Task<Triggers.Trigger?> WaitTriggerAsync(TaskContext context, TimeSpan pokeInterval) =>
        new Triggers.FileTrigger { Filepath = await PathAsync(context), Recursive = Recursive, PokeInterval = pokeInterval };

    /// <summary>The paths <paramref name="path"/> (a glob or not) matches: a file, or a folder holding at least one file.</summary>
    internal static IEnumerable<string> Matches(string path, bool recursive)
    {
        if (path.IndexOfAny(['*', '?']) < 0)
        {
            if (File.Exists(path))
            {
                return [path];
            }

            return Directory.Exists(path) && Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Any() ? [path] : [];
        }

        // The folder part up to the first wildcard, then the rest as a pattern over paths below it.
        var firstWild = path.IndexOfAny(['*', '?']);
        var root = Path.GetDirectoryName(path[..(firstWild + 1)]) ?? "/";
        if (!Directory.Exists(root))
        {
            return [];
        }

        var pattern = Path.GetRelativePath(root, path).Replace('\\', '/');
        var regex = new System.Text.RegularExpressions.Regex("^" + Glob.ToRegexBody(pattern, recursive) + "$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        return Directory.EnumerateFileSystemEntries(root, "*", recursive || pattern.Contains('/', StringComparison.Ordinal) ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(p => regex.IsMatch(Path.GetRelativePath(root, p).Replace('\\', '/')))
            .Order(StringComparer.Ordinal);
    }

    private async Task<string> PathAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Rendered.GetValueOrDefault("filepath") ?? Filepath;
        if (!Path.IsPathRooted(path))
        {
            var connection = await context.Connections.GetAsync(FsConnId, context.CancellationToken);
            var basePath = connection?.ExtraDejson["path"]?.GetValue<string>();
            path = Path.Combine(basePath ?? Environment.CurrentDirectory, path);
        }

        return path;
    }
}
