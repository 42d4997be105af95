using System.Diagnostics;
using System.Globalization;
using Dapper;
using Updraft.Core.States;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// Workers and schedulers killed with SIGKILL while a run is under way, as machines and OOM killers do: every task
/// instance still ends, no try of one task instance overlaps another, and each success is recorded once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ChaosTests(PostgresServer server)
{
    private const int Runs = 30;
    private const int TasksPerRun = 10;

    [Fact]
    public async Task KillWorkers20TimesAndTheScheduler5Times_During300Tasks_AllEndOnceEach()
    {
        await using var o = new Orchestra(server.CreateDatabase(), new()
        {
            ["UPDRAFT__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD"] = "4",
            ["UPDRAFT__SCHEDULER__TASK_QUEUED_TIMEOUT"] = "6",
            ["UPDRAFT__CORE__PARALLELISM"] = "6",
            ["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False",
            ["UPDRAFT__API__PORT"] = "0",
        });
        await o.MigrateAsync();
        var ledger = Path.Combine(o.Home, "ledger");
        Directory.CreateDirectory(ledger);

        // C# tasks run inside the worker process, so a killed worker takes its try with it. Each mark is a file of its
        // own: appends to one shared file from many processes could overwrite each other.
        o.WriteDag("chaos.cs", Orchestra.DagSource("chaos", $$"""
            for (var i = 0; i < {{TasksPerRun}}; i++)
            {
                var t = dag.Task($"t{i}", async (TaskContext ctx) =>
                {
                    var id = $"{ctx.DagRun.RunId} {ctx.Task.TaskId} {ctx.TryNumber}";
                    File.WriteAllText(Path.Combine("{{ledger}}", $"{id.Replace(' ', '_')}_start"), $"start {id} {System.Diagnostics.Stopwatch.GetTimestamp()}");
                    await Task.Delay(150);
                    File.WriteAllText(Path.Combine("{{ledger}}", $"{id.Replace(' ', '_')}_end"), $"end {id} {System.Diagnostics.Stopwatch.GetTimestamp()}");
                });
                t.Retries = 10;
                t.RetryDelay = TimeSpan.Zero;
            }
            """, "MaxActiveRuns = 100, MaxActiveTasks = 100"));
        await o.ProcessAsync();
        for (var r = 0; r < Runs; r++)
        {
            await o.TriggerAsync("chaos", $"run_{r:00}");
        }

        var random = new Random(7);
        var (workerKills, schedulerKills) = (0, 0);
        var scheduler = StartScheduler(o);
        var lastSchedulerKill = Stopwatch.StartNew();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            while (await UnfinishedRunsAsync(o) > 0)
            {
                await Task.Delay(250, limit.Token);
                var workers = WorkersOf(scheduler.Id);
                if (workerKills < 20 && workers.Count > 0)
                {
                    Kill(workers[random.Next(workers.Count)]);
                    workerKills++;
                }

                if (schedulerKills < 5 && lastSchedulerKill.Elapsed > TimeSpan.FromSeconds(3))
                {
                    Kill(scheduler.Id);
                    await scheduler.WaitForExitAsync(limit.Token);
                    scheduler.Dispose();
                    scheduler = StartScheduler(o);
                    schedulerKills++;
                    lastSchedulerKill.Restart();
                }
            }
        }
        finally
        {
            Process.Start("kill", ["-TERM", scheduler.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            await scheduler.WaitForExitAsync(CancellationToken.None);
            scheduler.Dispose();
        }

        Assert.Equal((20, 5), (workerKills, schedulerKills));
        await using var connection = await o.Database.OpenAsync();
        var states = (await connection.QueryAsync<(string RunId, string TaskId, string State, int TryNumber)>(
            "SELECT run_id, task_id, state, try_number FROM task_instance WHERE dag_id = 'chaos'")).ToList();
        Assert.Equal(Runs * TasksPerRun, states.Count);
        Assert.All(states, s => Assert.Equal("success", s.State));

        // The ledger: each success's try ran to its end once, and no two tries of one task instance overlapped.
        // A mark cut short (its worker was killed while writing it) is left out.
        var lines = Directory.GetFiles(ledger).Select(f => File.ReadAllText(f).Split(' ')).Where(l => l.Length == 5).ToList();
        foreach (var (runId, taskId, _, tryNumber) in states)
        {
            var mine = lines.Where(l => l[1] == runId && l[2] == taskId).ToList();
            Assert.Single(mine, l => l[0] == "end" && l[3] == tryNumber.ToString(CultureInfo.InvariantCulture));
            var tries = mine.GroupBy(l => int.Parse(l[3], CultureInfo.InvariantCulture)).OrderBy(g => g.Key).ToList();
            for (var i = 1; i < tries.Count; i++)
            {
                var previous = tries[i - 1].ToList();
                if (tries[i].SingleOrDefault(l => l[0] == "start") is not { } start)
                {
                    continue;
                }

                var started = long.Parse(start[4], CultureInfo.InvariantCulture);
                Assert.All(previous, l => Assert.True(long.Parse(l[4], CultureInfo.InvariantCulture) < started, $"{runId} {taskId}: try {tries[i].Key} started while try {tries[i - 1].Key} ran"));
            }
        }
    }

    /// <summary>Starts a real <c>updraft scheduler</c> process on the installation.</summary>
    internal static Process StartScheduler(Orchestra o) => StartService(o, "scheduler");

    /// <summary>Starts a real <c>updraft <paramref name="name"/></c> service process on the installation.</summary>
    internal static Process StartService(Orchestra o, string name)
    {
        var command = o.Context.SelfCommand(name);
        var start = new ProcessStartInfo(command.FileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in command.Environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static async Task<long> UnfinishedRunsAsync(Orchestra o)
    {
        await using var connection = await o.Database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')");
    }

    /// <summary>The scheduler's worker processes, found by their parent in <c>/proc</c>.</summary>
    private static List<int> WorkersOf(int schedulerPid)
    {
        var workers = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(folder), out var pid))
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (parent == schedulerPid && File.ReadAllText(Path.Combine(folder, "cmdline")).Contains("worker-process", StringComparison.Ordinal))
                {
                    workers.Add(pid);
                }
            }
            catch (IOException)
            {
                // It ended while being read.
            }
        }

        return workers;
    }

    internal static void Kill(int pid)
    {
        using var kill = Process.Start("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }
}
