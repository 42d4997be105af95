using Dapper;
using Updraft.Core.States;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

[Collection(PostgresCollection.Name)]
public sealed class HighAvailabilityTests(PostgresServer server)
{
    [Fact]
    public async Task TwoSchedulers_1000TaskInstances_NoneRunTwice()
    {
        await using var o = new Orchestra(server.CreateDatabase());
        await o.MigrateAsync();
        var ledger = Path.Combine(o.Home, "ledger.txt");
        o.WriteDag("wide.cs", Orchestra.DagSource("wide", $$$"""
            for (var i = 0; i < 10; i++)
            {
                dag.Bash($"t{i}", "echo '{{ run_id }} {{ task.task_id }} {{ ti.try_number }}' >> {{{ledger}}}");
            }
            """, "MaxActiveTasks = 1000, MaxActiveRuns = 1000"));
        await o.ProcessAsync();
        for (var i = 0; i < 100; i++)
        {
            await o.TriggerAsync("wide", $"run_{i:000}");
        }

        var (first, firstExecutor) = o.NewScheduler(parallelism: 4);
        var (second, secondExecutor) = o.NewScheduler(parallelism: 4);
        await Task.WhenAll(
            o.RunToCompletionAsync(first, firstExecutor, TimeSpan.FromMinutes(5)),
            o.RunToCompletionAsync(second, secondExecutor, TimeSpan.FromMinutes(5)));

        var lines = await File.ReadAllLinesAsync(ledger);
        Assert.Equal(1000, lines.Length);
        Assert.Equal(1000, lines.Distinct().Count());
        Assert.All(lines, l => Assert.EndsWith(" 1", l));
        await using var connection = await o.Database.OpenAsync();
        Assert.Equal(1000, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance WHERE state = 'success' AND try_number = 1"));
        Assert.Equal(1000, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance_history"));
        Assert.All(await new DagRunStore(o.Database).ListAsync("wide", limit: 1000), r => Assert.Equal(DagRunState.Success, r.State));
    }
}
