using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Updraft.Bench.Peers;
using Updraft.Tests.Shared;

// Updraft.Bench.Peers <quartz|hangfire> <chain|lag|throughput>
// The scheduler scenes of bench/Updraft.Bench/SchedulerBench.cs on a peer scheduler, each through its public API,
// against a throwaway PostgreSQL server (tests/Shared/PostgresServer.cs: fsync off unless UPDRAFT_PG_DURABLE=1) or the one UPDRAFT_TEST_POSTGRES names.
if (args.Length != 2 || args[0] is not ("quartz" or "hangfire") || args[1] is not ("chain" or "lag" or "throughput"))
{
    Console.Error.WriteLine("usage: Updraft.Bench.Peers <quartz|hangfire> <chain|lag|throughput>");
    return 2;
}

var scene = Scene.Parse(args[1]);
var timeout = TimeSpan.FromSeconds(int.Parse(Environment.GetEnvironmentVariable("PEERS_TIMEOUT_SECONDS") ?? "300", CultureInfo.InvariantCulture));
var given = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("UPDRAFT_TEST_POSTGRES"));
using var postgres = new PostgresServer();
var connectionString = ConnectionStrings.FromUri(postgres.CreateDatabase());
var exitCode = 0;
await using (IPeer peer = args[0] == "quartz" ? new QuartzPeer() : new HangfirePeer())
{
    using var cancel = new CancellationTokenSource();
    await peer.StartAsync(connectionString, cancel.Token);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{scene.Name} on {args[0]} (PostgreSQL, {(given ? "server from UPDRAFT_TEST_POSTGRES" : Environment.GetEnvironmentVariable("UPDRAFT_PG_DURABLE") == "1" ? "throwaway server, durable defaults" : "throwaway server, fsync off")}): {scene.Describe()}; {peer.Settings}"));

    Recorder.Reset(scene.Chains, scene.Jobs);
    var preparing = Stopwatch.StartNew();
    await peer.PrepareAsync(scene, cancel.Token);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  (jobs stored ahead in {preparing.Elapsed.TotalSeconds:0.0} s, not counted)"));

    // Let the peer settle after its start-up work, as SchedulerBench lets prewarmed workers finish starting.
    await Task.Delay(TimeSpan.FromSeconds(2), cancel.Token);
    var released = Stopwatch.GetTimestamp();
    await peer.ReleaseAsync(scene, cancel.Token);
    try
    {
        await Recorder.Done.WaitAsync(timeout, cancel.Token);

        // Wall time ends with the last job's own end, not with this await waking up.
        Report.Print(scene, Stopwatch.GetElapsedTime(released, Recorder.Timings.Max(t => t.End)));
    }
    catch (TimeoutException)
    {
        Report.PrintUnfinished(scene, timeout);
        exitCode = 1;
    }

    await cancel.CancelAsync();
}

// Pooled connections would otherwise outlive the server that PostgresServer stops with -m immediate.
NpgsqlConnection.ClearAllPools();
return exitCode;
