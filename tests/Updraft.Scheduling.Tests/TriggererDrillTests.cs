using System.Diagnostics;
using System.Globalization;
using Dapper;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// The triggerer killed with SIGKILL while 1,000 deferred tasks wait on it: a triggerer started after it (a second
/// one, or the first restarted) takes every trigger over once the first's heartbeat is stale, and each task resumes
/// exactly once. Real <c>updraft scheduler</c> and <c>updraft triggerer</c> processes on SQLite and PostgreSQL.
/// </summary>
public abstract class TriggererDrillTests
{
    private const int Sensors = 1000;

    protected abstract string? DatabaseUri();

    [Fact]
    public async Task KillTheTriggererWhile1000TriggersWait_ASecondTakesThemOver_AndEachTaskResumesExactlyOnce()
    {
        await using var o = await Orchestra.CreateAsync(DatabaseUri(), new()
        {
            ["UPDRAFT__CORE__PARALLELISM"] = "16",
            ["UPDRAFT__TRIGGERER__JOB_HEARTBEAT_SEC"] = "1",
            ["UPDRAFT__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD"] = "3",
            ["UPDRAFT__API__PORT"] = "0",
        });
        var go = Path.Combine(o.Home, "go");
        o.WriteDag("drill.cs", Orchestra.DagSource("drill", $$"""
            for (var i = 0; i < {{Sensors}}; i++)
            {
                dag.FileSensor($"wait_{i}", "{{go}}").With(t => { t.Deferrable = true; t.PokeInterval = TimeSpan.FromMilliseconds(500); });
            }
            """, $"MaxActiveTasks = {Sensors}"));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("drill");

        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var scheduler = ChaosTests.StartService(o, "scheduler");
        var first = ChaosTests.StartService(o, "triggerer");
        Process? second = null;
        try
        {
            // Every sensor deferred, and every trigger held by the first triggerer.
            await WaitForAsync(o, $"SELECT count(*) FROM triggers t JOIN job j ON j.id = t.triggerer_id WHERE j.pid = {first.Id}", Sensors, limit.Token);
            Assert.Equal(Sensors, await CountAsync(o, "SELECT count(*) FROM task_instance WHERE state = 'deferred'"));

            ChaosTests.Kill(first.Id);
            await first.WaitForExitAsync(limit.Token);
            second = ChaosTests.StartService(o, "triggerer");
            await WaitForAsync(o, $"SELECT count(*) FROM triggers t JOIN job j ON j.id = t.triggerer_id WHERE j.pid = {second.Id}", Sensors, limit.Token);

            await File.WriteAllTextAsync(go, "go", limit.Token);
            await WaitForAsync(o, $"SELECT count(*) FROM dag_run WHERE run_id = '{run.RunId}' AND state = 'success'", 1, limit.Token);
        }
        finally
        {
            foreach (var process in new[] { scheduler, first, second }.OfType<Process>().Where(p => !p.HasExited))
            {
                Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        // Each sensor: one try, started twice (its first poke, then its resume after the file came), never a third time.
        var states = (await new Storage.Stores.TaskInstanceStore(o.Database).ListForRunAsync("drill", run.RunId)).ToList();
        Assert.Equal(Sensors, states.Count);
        Assert.All(states, t => Assert.Equal((Core.States.TaskInstanceState.Success, 1), (t.State, t.TryNumber)));
        foreach (var t in states)
        {
            var log = o.ReadLog("drill", run.RunId, t.TaskId, 1);
            Assert.Equal(2, log.Split('\n').Count(l => l.Contains("Starting attempt 1 of 1", StringComparison.Ordinal)));
        }

        Assert.Equal(0, await CountAsync(o, "SELECT count(*) FROM triggers"));
    }

    private static async Task<long> CountAsync(Orchestra o, string sql)
    {
        await using var connection = await o.Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private static async Task WaitForAsync(Orchestra o, string sql, long expected, CancellationToken cancellationToken)
    {
        while (await CountAsync(o, sql) != expected)
        {
            await Task.Delay(250, cancellationToken);
        }
    }
}

public sealed class SqliteTriggererDrillTests : TriggererDrillTests
{
    protected override string? DatabaseUri() => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresTriggererDrillTests(PostgresServer server) : TriggererDrillTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}
