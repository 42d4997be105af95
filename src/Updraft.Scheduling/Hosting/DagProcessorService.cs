using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Updraft.Scheduling.Processing;

namespace Updraft.Scheduling.Hosting;

/// <summary>Scans the DAG folders every interval; unchanged files cost a hash each, changed files are recompiled.</summary>
public sealed partial class DagProcessorService(DagProcessor processor, TimeSpan interval, TimeProvider timeProvider, ILogger<DagProcessorService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var bag = await processor.RunOnceAsync(stoppingToken);
                Processed(logger, bag.Dags.Count, bag.ImportErrors.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ProcessingFailed(logger, e);
            }

            await Task.Delay(interval, timeProvider, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Processed DAG files: {Dags} DAGs, {Errors} import errors")]
    private static partial void Processed(ILogger logger, int dags, int errors);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing DAG files failed; retrying")]
    private static partial void ProcessingFailed(ILogger logger, Exception exception);
}
