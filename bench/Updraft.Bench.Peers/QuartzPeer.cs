using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Quartz;

namespace Updraft.Bench.Peers;

/// <summary>
/// Quartz.NET with its ADO.NET job store on PostgreSQL. The tables come from Quartz's own PostgreSQL schema
/// script: the package ships no tables_postgres.sql file, but Quartz 4.7.3 embeds its script in Quartz.dll
/// (Quartz.Impl.AdoJobStore.Schema.create_postgres.sql) and runs it itself when asked to provision the schema
/// (ProvisionSchema, i.e. SchemaProvisioning.CreateIfMissing). So no DDL is written here, and the tables are the
/// ones this Quartz version expects, which older copies of the qrtz_ DDL would not be (4.x added columns).
/// </summary>
internal sealed class QuartzPeer : IPeer
{
    public const string ChainKey = "chain";
    public const string IndexKey = "index";
    public const string LengthKey = "length";

    // The Updraft scenes run with 4 worker slots on this 2-core machine; the peers get the same.
    private const int Threads = 4;

    private StandaloneSchedulerFactory? _factory;
    private IScheduler? _scheduler;
    private Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>> _firsts = [];

    public string Settings => string.Create(CultureInfo.InvariantCulture,
        $"Quartz.NET 4.7.3, AdoJobStore (JobStoreTX, not clustered) on PostgreSQL, thread pool {Threads}, other settings default (batch size automatic = thread pool size, idle wait 30 s; new triggers signal the scheduler thread)");

    private IScheduler Scheduler => _scheduler ?? throw new InvalidOperationException("not started");

    /// <summary>One job and its fire-now trigger; non-durable, so Quartz deletes both once the job has run.</summary>
    public static (IJobDetail Job, ITrigger Trigger) Build(string group, int chain, int index, int length, TimeProvider time)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"c{chain}.j{index}");
        var job = JobBuilder.Create<QuartzChainJob>()
            .WithIdentity(name, group)
            .UsingJobData(ChainKey, chain)
            .UsingJobData(IndexKey, index)
            .UsingJobData(LengthKey, length)
            .Build();
        var trigger = TriggerBuilder.Create(time).WithIdentity(name, group).ForJob(job).StartNow().Build();
        return (job, trigger);
    }

    public async Task StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        _factory = QuartzSchedulerBuilder.Create(q => q
            .ConfigureScheduler(o => o.InstanceName = "updraft-bench-peers")
            .UseDefaultThreadPool(Threads)
            .UsePersistentStore(store =>
            {
                store.UsePostgres(NpgsqlFactory.Instance, connectionString);
                store.ProvisionSchema();
            }))
            .Build();
        _scheduler = await _factory.GetScheduler(cancellationToken);
        await Scheduler.Start(cancellationToken);

        Recorder.Reset(1, 1);
        var (job, trigger) = Build("warmup", 0, 0, 1, Scheduler.TimeProvider);
        await Scheduler.ScheduleJob(job, trigger, default, cancellationToken);
        await Recorder.Done.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
    }

    public async Task PrepareAsync(Scene scene, CancellationToken cancellationToken)
    {
        _firsts = [];
        for (var c = 0; c < scene.Chains; c++)
        {
            var (job, trigger) = Build("bench", c, 0, scene.Length, Scheduler.TimeProvider);
            _firsts[job] = [trigger];
        }

        if (scene.Length == 1)
        {
            // Independent jobs are stored while the scheduler stands by, in one call, and released by Start:
            // the figures are then the scheduler's, not how fast 10,000 jobs can be inserted.
            await Scheduler.Standby(cancellationToken);
            await Scheduler.ScheduleJobs(_firsts, default, cancellationToken);
        }
    }

    public async Task ReleaseAsync(Scene scene, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        for (var c = 0; c < scene.Chains; c++)
        {
            Recorder.MarkTriggered(c, now);
        }

        if (scene.Length == 1)
        {
            await Scheduler.Start(cancellationToken);
        }
        else
        {
            // Every chain's first job in one call, the closest Quartz has to starting them all at once.
            await Scheduler.ScheduleJobs(_firsts, default, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_scheduler is not null)
        {
            await _scheduler.Shutdown(false, CancellationToken.None);
        }

        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }
}
