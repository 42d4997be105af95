namespace Updraft.Scheduling.Hosting;

/// <summary>The dag-processor's settings: where DAG files are and how often the folders are listed again (<c>[scheduler] dag_dir_list_interval</c>).</summary>
public sealed class DagProcessorOptions
{
    /// <summary>The folders DAG files are read from.</summary>
    public IReadOnlyList<string> Folders { get; set; } = [];

    /// <summary>How often the folders are listed again when no change was seen.</summary>
    public TimeSpan ListInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The executors tasks may name (<c>[core] executor</c>); a task naming another is an import error.</summary>
    public IReadOnlyCollection<string>? Executors { get; set; }
}
