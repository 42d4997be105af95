using System.Diagnostics;
using System.Net.Http.Headers;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Cli.Hosting;
using Updraft.Core.Dags;
using Updraft.Core.Serialization;
using Updraft.Scheduling;
using Updraft.Scheduling.Operations;
using Updraft.Server.Hosting;
using Updraft.Storage;
using Updraft.Storage.Security;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

/// <summary>
/// <c>ui [sqlite|postgres]</c>: the web UI's data routes at size. A DAG of 1,000 tasks (ten task groups, two mapped
/// tasks of 20 instances) with 25 runs (25,380 task instances), beside 1,000 other DAGs; then, through a real API
/// server on loopback with the list cache off, the time of the grid's call (<c>GET /ui/grid/{dag_id}?limit=25</c>) and
/// of the DAG list's page (<c>GET /api/v2/dags?limit=50</c>, as the UI asks it): 5 warm-up calls, then 30 timed.
/// </summary>
internal static class UiBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var dialect = args.Length > 0 ? args[0] : "sqlite";
        using var postgres = dialect == "postgres" ? new PostgresServer() : null;
        var home = Directory.CreateTempSubdirectory("updraft-ui-bench-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["UPDRAFT_HOME"] = home, ["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False", ["UPDRAFT__API__LIST_CACHE_SECONDS"] = "0" };
            if (postgres is not null)
            {
                env["UPDRAFT__DATABASE__CONNECTION"] = postgres.CreateDatabase();
            }

            var ctx = new CliContext(new CliEnvironment(env, TextWriter.Null, TextWriter.Null, TimeProvider.System));
            await ctx.MigrateAsync();
            var database = ctx.Database;
            var now = TimeProvider.System.GetUtcNow();
            var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var serialized = new List<SerializedDag>();
            for (var i = 0; i < 1000; i++)
            {
                var small = new Dag($"list_{i:0000}", schedule: "0 * * * *", startDate: start, fileloc: $"/dags/list_{i:0000}.cs") { Tags = [$"team_{i % 10}"] };
                for (var t = 0; t < 5; t++)
                {
                    small.Empty($"task_{t}");
                }

                serialized.Add(DagSerializer.Serialize(small, new DagDefaults()));
            }

            var big = new Dag("grid_1000", schedule: null, startDate: start, fileloc: "/dags/grid_1000.cs");
            var source = big.Task("source", _ => Enumerable.Range(0, 20).ToArray());
            for (var g = 0; g < 10; g++)
            {
                // Five chains of 19 tasks in each group, the group after the source: edges for the graph to lay out.
                var group = big.Group($"group_{g}", _ =>
                {
                    var tasks = Enumerable.Range(0, 95).Select(t => big.Empty($"task_{t}")).ToList();
                    for (var t = 5; t < tasks.Count; t++)
                    {
                        tasks[t - 5].Then(tasks[t]);
                    }
                });
                source.Then(group);
            }

            big.Map("mapped_a", source, (int n) => n);
            big.Map("mapped_b", source, (int n) => n * 2);
            for (var t = big.Tasks.Count; t < 1000; t++)
            {
                big.Empty($"plain_{t}");
            }

            serialized.Add(DagSerializer.Serialize(big, new DagDefaults()));
            var dags = new DagStore(database);
            await dags.SyncAsync(serialized, [], [], ctx.TriggerKwargs, now);
            var runs = new DagRunStore(database);
            for (var r = 0; r < 25; r++)
            {
                await DagRunService.CreateManualRunAsync(dags, runs, new TriggerRequest("grid_1000") { RunId = $"run_{r:00}" }, now.AddMinutes(r - 25));
            }

            await using (var connection = await database.OpenAsync())
            {
                // The mapped tasks expanded to 20 instances each; most tasks succeeded, some failed, the last run runs.
                await connection.ExecuteAsync("UPDATE task_instance SET map_index = 0 WHERE dag_id = 'grid_1000' AND task_id IN ('mapped_a', 'mapped_b')");
                for (var m = 1; m < 20; m++)
                {
                    await connection.ExecuteAsync(
                        "INSERT INTO task_instance (dag_id, run_id, task_id, map_index, state, try_number, max_tries, operator, pool, pool_slots, priority_weight, queue) " +
                        "SELECT dag_id, run_id, task_id, @m, state, try_number, max_tries, operator, pool, pool_slots, priority_weight, queue FROM task_instance " +
                        "WHERE dag_id = 'grid_1000' AND task_id IN ('mapped_a', 'mapped_b') AND map_index = 0",
                        new { m });
                }

                await connection.ExecuteAsync("UPDATE task_instance SET state = 'success', try_number = 1 WHERE dag_id = 'grid_1000'");
                await connection.ExecuteAsync("UPDATE task_instance SET state = 'failed' WHERE dag_id = 'grid_1000' AND task_id LIKE 'group_3.task_1%' AND run_id < 'run_05'");
                await connection.ExecuteAsync("UPDATE task_instance SET state = 'running' WHERE dag_id = 'grid_1000' AND run_id = 'run_24' AND task_id LIKE 'group_9.%'");
                var count = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance WHERE dag_id = 'grid_1000'");
                Console.WriteLine($"{dialect}: grid_1000 has {big.Tasks.Count} tasks, 25 runs, {count} task instances; 1,001 DAGs in all");
            }

            var config = ctx.Config;
            await using var services = new ServiceCollection()
                .AddSingleton(TimeProvider.System)
                .AddSingleton(config)
                .AddUpdraftStorage(database)
                .AddUpdraftOperations()
                .AddSingleton(s => new SecretStore(database, new Updraft.Core.Secrets.MultiFernet(config.Get("core", "fernet_key")), TimeProvider.System))
                .BuildServiceProvider();
            await services.GetRequiredService<UserStore>().CreateAsync(new UserRecord { Username = "admin", Roles = [DefaultRoles.Admin] }, "bench-pass", now);
            var options = new ApiServerOptions { Host = "127.0.0.1", Port = 0, JwtSecret = config.Get("api_auth", "jwt_secret"), ListCacheLifetime = TimeSpan.Zero };
            await using var server = await ApiServer.StartAsync(options, await ctx.ExecutionServiceAsync(), services);
            var token = new Updraft.Server.Security.UserTokens(options.JwtSecret, options.JwtExpiration, TimeProvider.System).Issue("admin");
            using var client = new HttpClient { BaseAddress = server.Address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            foreach (var path in (string[])["ui/grid/grid_1000?limit=25", "ui/graph/grid_1000", $"ui/graph/grid_1000?expanded={string.Join(",", Enumerable.Range(0, 10).Select(g => $"group:group_{g}"))}", "api/v2/dags?limit=50&order_by=dag_id", "api/v2/dags?limit=50&order_by=dag_id&dag_id_pattern=list_09"])
            {
                var times = new List<double>();
                long bytes = 0;
                for (var i = 0; i < 35; i++)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await client.GetAsync(path);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    watch.Stop();
                    response.EnsureSuccessStatusCode();
                    bytes = body.Length;
                    if (i >= 5)
                    {
                        times.Add(watch.Elapsed.TotalMilliseconds);
                    }
                }

                times.Sort();
                Console.WriteLine($"{dialect}: GET /{path}: median {times[times.Count / 2]:0.0} ms, p95 {times[(int)(times.Count * 0.95)]:0.0} ms, max {times[^1]:0.0} ms ({bytes / 1024.0:0} KiB)");
            }

            if (File.Exists("/usr/bin/chromium"))
            {
                await BrowserAsync(dialect, server.Address);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>
    /// The DAG page of the 1,000-task DAG in Debian's Chromium (headless, 1440 × 900, signed in): from navigation start
    /// to the grid's (and then the graph's) last row or box drawn — the page is usable then. 2 warm-up loads, 10 timed.
    /// </summary>
    private static async Task BrowserAsync(string dialect, Uri address)
    {
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new Microsoft.Playwright.BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new Microsoft.Playwright.BrowserNewContextOptions { BaseURL = address.ToString(), ViewportSize = new() { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        await page.FillAsync("#username", "admin");
        await page.FillAsync("#password", "bench-pass");
        await page.ClickAsync("#login-submit");
        await page.WaitForSelectorAsync("#username-shown");
        foreach (var (path, ready) in new[]
        {
            ("/dags/grid_1000", "#grid tr[data-task-id='plain_999'] td.ti"),
            ("/dags/grid_1000/graph", "#graph [data-node='plain_999']"),
        })
        {
            var times = new List<double>();
            for (var i = 0; i < 12; i++)
            {
                await page.GotoAsync("about:blank");
                await page.GotoAsync(path, new() { WaitUntil = Microsoft.Playwright.WaitUntilState.Commit });
                await page.WaitForSelectorAsync(ready, new() { Timeout = 60_000, State = Microsoft.Playwright.WaitForSelectorState.Attached });
                var ms = await page.EvaluateAsync<double>("performance.now()");
                if (i >= 2)
                {
                    times.Add(ms);
                }
            }

            times.Sort();
            Console.WriteLine($"{dialect}: Chromium {path} drawn: median {times[times.Count / 2]:0} ms, max {times[^1]:0} ms");
        }
    }
}
