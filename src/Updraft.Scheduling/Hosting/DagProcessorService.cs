using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Updraft.Scheduling.Processing;

namespace Updraft.Scheduling.Hosting;

/// <summary>
/// Scans the DAG folders every interval, and at once when a file in them changes (a saved file is live in about a
/// second) or someone asks for a file to be parsed again (checked every second); unchanged files cost a hash each,
/// changed and requested ones are parsed again. DAG callbacks the scheduler asked for are run within a second.
/// </summary>
public sealed partial class DagProcessorService(
    DagProcessor processor,
    IReadOnlyList<string> folders,
    TimeSpan interval,
    TimeProvider timeProvider,
    ILogger<DagProcessorService> logger,
    Storage.Stores.JobStore? jobs = null,
    Storage.Stores.DagParsingRequestStore? requests = null,
    DagCallbackRunner? callbacks = null) : BackgroundService
{
    /// <summary>The job type of the DAG processor's row in the job table: its heartbeat is what health reports.</summary>
    public const string JobType = "DagProcessorJob";

    private long? _jobId;

    /// <summary>How long to wait after a change for the rest of a save (editors write in several steps).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    private readonly SemaphoreSlim _changed = new(0, 1);
    private bool _processedAtStart;

    /// <summary>Processes the DAG folders once before the services started after it (the scheduler) begin, then keeps watching.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (jobs is not null)
        {
            _jobId = await jobs.StartAsync(JobType, System.Net.Dns.GetHostName(), Environment.ProcessId, timeProvider.GetUtcNow(), cancellationToken);
        }

        var bag = await processor.RunOnceAsync(cancellationToken);
        Processed(logger, bag.Dags.Count, bag.ImportErrors.Count);
        _processedAtStart = true;
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var watchers = new WatcherSet(folders, Wake);
        var wait = _processedAtStart;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (wait && !await WaitForChangeAsync(stoppingToken))
            {
                return;
            }

            wait = true;
            try
            {
                var bag = await processor.RunOnceAsync(stoppingToken);
                Processed(logger, bag.Dags.Count, bag.ImportErrors.Count);
                if (jobs is not null && _jobId is { } id)
                {
                    await jobs.HeartbeatAsync(id, timeProvider.GetUtcNow(), stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ProcessingFailed(logger, e);
            }
        }
    }

    /// <summary>Waits for a change in the folders (and lets the save settle) or the interval; false when stopping.</summary>
    private async Task<bool> WaitForChangeAsync(CancellationToken stoppingToken)
    {
        try
        {
            var until = timeProvider.GetUtcNow() + interval;
            while (timeProvider.GetUtcNow() < until)
            {
                var slice = requests is null && callbacks is null ? interval : TimeSpan.FromSeconds(1);
                if (await _changed.WaitAsync(slice, stoppingToken))
                {
                    await Task.Delay(Settle, timeProvider, stoppingToken);
                    return true;
                }

                await RunCallbacksAsync(stoppingToken);
                if (requests is not null && await AnyRequestAsync(stoppingToken))
                {
                    return true;
                }
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RunCallbacksAsync(CancellationToken stoppingToken)
    {
        if (callbacks is null)
        {
            return;
        }

        try
        {
            await callbacks.RunPendingAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database is away: the requests wait for the next second.
            ProcessingFailed(logger, e);
        }
    }

    private async Task<bool> AnyRequestAsync(CancellationToken stoppingToken)
    {
        try
        {
            return await requests!.AnyAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database is away: the interval still comes round.
            ProcessingFailed(logger, e);
            return false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (jobs is not null && _jobId is { } id)
        {
            // Ended whatever the host's shutdown timeout: a row left running would read as a processor that died.
            await jobs.EndAsync(id, "success", timeProvider.GetUtcNow(), CancellationToken.None);
            _jobId = null;
        }
    }

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }

    private void Wake()
    {
        try
        {
            if (_changed.CurrentCount == 0)
            {
                _changed.Release();
            }
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already woken, or stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Processed DAG files: {Dags} DAGs, {Errors} import errors")]
    private static partial void Processed(ILogger logger, int dags, int errors);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing DAG files failed; retrying")]
    private static partial void ProcessingFailed(ILogger logger, Exception exception);

    /// <summary>File-system watchers on the DAG folders; a folder that cannot be watched is left to the interval.</summary>
    private sealed class WatcherSet : IDisposable
    {
        private readonly List<FileSystemWatcher> _watchers = [];

        public WatcherSet(IReadOnlyList<string> folders, Action changed)
        {
            foreach (var folder in folders.Where(Directory.Exists))
            {
                try
                {
                    var watcher = new FileSystemWatcher(folder)
                    {
                        IncludeSubdirectories = true,
                        NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                    };
                    watcher.Changed += (_, _) => changed();
                    watcher.Created += (_, _) => changed();
                    watcher.Deleted += (_, _) => changed();
                    watcher.Renamed += (_, _) => changed();
                    watcher.EnableRaisingEvents = true;
                    _watchers.Add(watcher);
                }
                catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
                {
                    // Out of inotify watches, say: the periodic scan still finds changes.
                }
            }
        }

        public void Dispose()
        {
            foreach (var watcher in _watchers)
            {
                watcher.Dispose();
            }
        }
    }
}
