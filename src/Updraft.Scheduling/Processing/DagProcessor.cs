using Updraft.Dags.Loading;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// Finds and loads DAG files and records the result in the metadata database: serialized DAG versions,
/// import errors, DAGs that disappeared, and each DAG's next scheduled run. The scheduler works only from
/// what this stores.
/// </summary>
public sealed class DagProcessor(IDagFileParser parser, IReadOnlyList<string> folders, MetadataDatabase database, TimeProvider timeProvider)
{
    private readonly DagStore _dags = new(database);
    private readonly DagRunStore _runs = new(database);
    private readonly DagCodeStore _code = new(database);

    /// <summary>A processor that parses in this process (one-shot commands, tests).</summary>
    public DagProcessor(DagBagLoader loader, IReadOnlyList<string> folders, MetadataDatabase database, TimeProvider timeProvider)
        : this(new InProcessDagFileParser(loader), folders, database, timeProvider)
    {
    }

    public async Task<ParsedDagFiles> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var bag = await parser.ParseAsync(folders, cancellationToken);
        var now = timeProvider.GetUtcNow();
        await _dags.SyncAsync(
            bag.Dags,
            bag.ImportErrors.Select(e => (e.Filename, e.Line, e.Message)).ToList(),
            bag.Files,
            now,
            cancellationToken);
        await _dags.DeactivateMissingFilesAsync(bag.Files.ToHashSet(StringComparer.Ordinal), cancellationToken);

        // The code each version was built from, so tries run their own version's code wherever they run.
        await _code.SaveAsync(bag.Codes, now, cancellationToken);

        foreach (var serialized in bag.Dags)
        {
            var last = await _runs.LatestAutomatedIntervalAsync(serialized.DagId, cancellationToken);
            var next = serialized.Timetable.ToTimetable().NextDagRunInfo(last, serialized.Restriction, now);
            await _dags.SetNextRunAsync(serialized.DagId, next, cancellationToken);
        }

        return bag;
    }
}
