using Updraft.Dags.Loading;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// Finds and loads DAG files and records the result in the metadata database: serialized DAG versions,
/// import errors, DAGs that disappeared, and each DAG's next scheduled run. The scheduler works only from
/// what this stores. Asset watchers' trigger arguments are stored encrypted with <c>triggerKwargs</c>.
/// </summary>
public sealed class DagProcessor(IDagFileParser parser, IReadOnlyList<string> folders, MetadataDatabase database, TriggerKwargsCipher triggerKwargs, TimeProvider timeProvider)
{
    private readonly DagStore _dags = new(database);
    private readonly DagRunStore _runs = new(database);
    private readonly DagCodeStore _code = new(database);
    private readonly DagWarningStore _warnings = new(database);
    private readonly PoolStore _pools = new(database);
    private readonly DagParsingRequestStore _requests = new(database);

    /// <summary>A processor that parses in this process (one-shot commands, tests).</summary>
    public DagProcessor(DagBagLoader loader, IReadOnlyList<string> folders, MetadataDatabase database, TriggerKwargsCipher triggerKwargs, TimeProvider timeProvider)
        : this(new InProcessDagFileParser(loader), folders, database, triggerKwargs, timeProvider)
    {
    }

    /// <summary>
    /// The executors configured (<c>[core] executor</c>); when set, a DAG file with a task naming another executor is
    /// an import error, as in Airflow, rather than a task that waits forever.
    /// </summary>
    public IReadOnlyCollection<string>? Executors { get; init; }

    public async Task<ParsedDagFiles> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var reparse = await _requests.TakeAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();

        ParsedDagFiles bag;
        try
        {
            bag = CheckExecutors(await parser.ParseAsync(folders, reparse, cancellationToken));
        }
        catch
        {
            // A pass that fails leaves the requests it took for the next one.
            foreach (var file in reparse)
            {
                await _requests.AddAsync(file, now, CancellationToken.None);
            }

            throw;
        }

        // Shared code's errors are filed under its own files, which are not DAG files: they count as looked at while
        // they have errors, and their errors go once they have none.
        var looked = bag.Files.Concat(bag.ImportErrors.Select(e => e.Filename)).Distinct(StringComparer.Ordinal).ToList();
        await _dags.SyncAsync(
            bag.Dags,
            bag.ImportErrors.Select(e => (e.Filename, e.Line, e.Message)).ToList(),
            looked,
            triggerKwargs,
            now,
            cancellationToken);
        await _dags.DeactivateMissingFilesAsync(looked.ToHashSet(StringComparer.Ordinal), cancellationToken);

        // The code each version was built from, so tries run their own version's code wherever they run.
        await _code.SaveAsync(bag.Codes, now, cancellationToken);
        await WarnOfMissingPoolsAsync(bag, now, cancellationToken);

        foreach (var serialized in bag.Dags)
        {
            var last = await _runs.LatestAutomatedIntervalAsync(serialized.DagId, cancellationToken);
            var next = serialized.Timetable.ToTimetable().NextDagRunInfo(last, serialized.Restriction, now);
            await _dags.SetNextRunAsync(serialized.DagId, next, cancellationToken);
        }

        return bag;
    }

    /// <summary>Airflow's <c>non-existent pool</c> warning: a DAG with tasks in pools that do not exist (they would never run).</summary>
    private async Task WarnOfMissingPoolsAsync(ParsedDagFiles bag, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pools = (await _pools.SlotsAsync(cancellationToken)).Keys.ToHashSet(StringComparer.Ordinal);
        var warnings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dag in bag.Dags)
        {
            var missing = dag.Tasks.Select(t => t.Pool).Where(p => !pools.Contains(p)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                warnings[dag.DagId] = $"Dag '{dag.DagId}' references non-existent pools: {string.Join(", ", missing.Select(p => $"'{p}'"))}";
            }
        }

        await _warnings.ReplaceAsync(DagWarning.NonExistentPool, [.. bag.Dags.Select(d => d.DagId)], warnings, now, cancellationToken);
    }

    private ParsedDagFiles CheckExecutors(ParsedDagFiles bag)
    {
        if (Executors is null)
        {
            return bag;
        }

        var errors = new List<Dags.Loading.ImportError>();
        foreach (var dag in bag.Dags)
        {
            if (dag.Tasks.FirstOrDefault(t => t.Executor is { } name && !Executors.Contains(name)) is { } task)
            {
                errors.Add(new Dags.Loading.ImportError(dag.Fileloc, 0,
                    $"Task '{task.TaskId}' of DAG '{dag.DagId}' names executor '{task.Executor}', which is not configured ([core] executor = {string.Join(",", Executors)})."));
            }
        }

        if (errors.Count == 0)
        {
            return bag;
        }

        var failed = errors.Select(e => e.Filename).ToHashSet(StringComparer.Ordinal);
        return bag with
        {
            Dags = [.. bag.Dags.Where(d => !failed.Contains(d.Fileloc))],
            ImportErrors = [.. bag.ImportErrors, .. errors.DistinctBy(e => e.Filename)],
        };
    }
}
