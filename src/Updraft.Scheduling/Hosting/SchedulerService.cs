using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Scheduling;

namespace Updraft.Scheduling.Hosting;

/// <summary>
/// Starts its executors and runs scheduling passes: after each, waits until an executor reports an ended try (so downstream tasks are
/// queued at once) or the poll interval passes (for time-based work: new runs, retries coming due). It records
/// the scheduler in the <c>job</c> table first; when stopped, it stops its executors and then ends its job row.
/// </summary>
public sealed partial class SchedulerService(SchedulerEngine engine, IReadOnlyList<IExecutor> executors, TimeProvider timeProvider, ILogger<SchedulerService> logger) : BackgroundService
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Starts its executors, then the scheduling loop.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var executor in executors)
        {
            await executor.StartAsync(cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // Its tries end with its executors; only then may another scheduler reset what is left at once.
        foreach (var executor in executors)
        {
            await executor.StopAsync(cancellationToken);
        }

        try
        {
            // Not cut short by the host's shutdown timeout: a job row left running would keep this scheduler's
            // tries from being reset at once.
            await engine.EndJobAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database is away: the job row stays running and other schedulers find it dead by its heartbeat.
            PassFailed(logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (engine.JobId is null && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await engine.StartJobAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                PassFailed(logger, e);
                await Task.Delay(PollInterval, timeProvider, stoppingToken);
            }
        }

        // Other processes (triggerers, API servers) wake this scheduler through the database when they make work.
        var listening = engine.ListenForWorkAsync(stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var pass = await engine.RunOnceAsync(stoppingToken);
                if (pass.MadeProgress)
                {
                    // More may be ready at once (a run just created, a task just skipped, a run just finished): go again without waiting.
                    continue;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed pass (database briefly unreachable) is logged and retried; the scheduler keeps running.
                PassFailed(logger, e);
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var delay = Task.Delay(PollInterval, timeProvider, wake.Token);
            Task[] waits = [delay, engine.PassRequested.WaitAsync(wake.Token), .. executors.Select(e => e.Events.WaitToReadAsync(wake.Token).AsTask())];
            await Task.WhenAny(waits);
            await wake.CancelAsync();
            await Task.WhenAll(waits).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await listening;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduling pass failed; retrying")]
    private static partial void PassFailed(ILogger logger, Exception exception);
}
