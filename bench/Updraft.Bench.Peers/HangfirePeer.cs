using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Hangfire.PostgreSql;

namespace Updraft.Bench.Peers;

/// <summary>
/// Hangfire with Hangfire.PostgreSql. Hangfire's workers fetch from the queue table and, when it is empty, wait
/// QueuePollInterval before looking again (default 15 s): the figures depend on it, so it is set short and
/// printed. PEERS_HANGFIRE_POLL_MS overrides it; PEERS_HANGFIRE_LONG_POLLING=1 turns on Hangfire.PostgreSql's
/// LISTEN/NOTIFY wake-up (EnableLongPolling), off by default as in the library.
/// </summary>
internal sealed class HangfirePeer : IPeer
{
    // The Updraft scenes run with 4 worker slots on this 2-core machine; the peers get the same.
    private const int Workers = 4;

    private readonly TimeSpan _poll = TimeSpan.FromMilliseconds(
        int.Parse(Environment.GetEnvironmentVariable("PEERS_HANGFIRE_POLL_MS") ?? "100", CultureInfo.InvariantCulture));

    private readonly bool _longPolling = Environment.GetEnvironmentVariable("PEERS_HANGFIRE_LONG_POLLING") == "1";
    private readonly BackgroundJobServerOptions _serverOptions = new() { WorkerCount = Workers };
    private BackgroundJobServer? _server;
    private string[] _firsts = [];

    public string Settings => string.Create(CultureInfo.InvariantCulture,
        $"Hangfire.Core 1.8.25 + Hangfire.PostgreSql 1.21.1, {Workers} workers, QueuePollInterval {_poll.TotalMilliseconds:0} ms, EnableLongPolling {_longPolling}, other settings default");

    public async Task StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        var storage = new PostgreSqlStorageOptions
        {
            QueuePollInterval = _poll,
            EnableLongPolling = _longPolling,
            PrepareSchemaIfNecessary = true,
        };
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), storage);
        _server = new BackgroundJobServer(_serverOptions);

        Recorder.Reset(1, 1);
        BackgroundJob.Enqueue(() => HangfireJobs.Run(0, 0));
        await Recorder.Done.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
    }

    public Task PrepareAsync(Scene scene, CancellationToken cancellationToken)
    {
        if (scene.Length == 1)
        {
            // Independent jobs are enqueued while no server runs and released by starting one: the figures are
            // then the workers', not how fast one client can enqueue 10,000 jobs (Hangfire.Core has no batch).
            _server?.Dispose();
            _server = null;
            Parallel.For(0, scene.Chains, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = cancellationToken },
                c => BackgroundJob.Enqueue(() => HangfireJobs.Run(c, 0)));
            return Task.CompletedTask;
        }

        // A chain is its first job, parked as scheduled an hour ahead so it cannot start yet, and its successors
        // as continuations; releasing the chain moves the first job to the queue.
        _firsts = new string[scene.Chains];
        for (var c = 0; c < scene.Chains; c++)
        {
            var chain = c;
            var previous = _firsts[c] = BackgroundJob.Schedule(() => HangfireJobs.Run(chain, 0), TimeSpan.FromHours(1));
            for (var i = 1; i < scene.Length; i++)
            {
                var index = i;
                previous = BackgroundJob.ContinueJobWith(previous, () => HangfireJobs.Run(chain, index));
            }
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(Scene scene, CancellationToken cancellationToken)
    {
        if (scene.Length == 1)
        {
            var now = Stopwatch.GetTimestamp();
            for (var c = 0; c < scene.Chains; c++)
            {
                Recorder.MarkTriggered(c, now);
            }

            _server = new BackgroundJobServer(_serverOptions);
            return Task.CompletedTask;
        }

        // One state change per chain (Hangfire has no call that requeues many), each chain's trigger time its own.
        for (var c = 0; c < scene.Chains; c++)
        {
            Recorder.MarkTriggered(c, Stopwatch.GetTimestamp());
            BackgroundJob.Requeue(_firsts[c]);
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }
}
