using Microsoft.Extensions.DependencyInjection;
using Updraft.Cli.Hosting;
using Updraft.Core.Dags;
using Updraft.Core.Serialization;
using Updraft.Scheduling;
using Updraft.Scheduling.Operations;
using Updraft.Server.Hosting;
using Updraft.Storage;
using Updraft.Storage.Database;
using Updraft.Storage.Security;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

/// <summary>
/// <c>api [sqlite|postgres] FILE</c>: an API server over 1,000 DAGs (10 tasks each, tagged) with one run each
/// (10,000 task instances); writes its address and an admin token to FILE, then serves until standard input closes.
/// <c>run-api.sh</c> drives it with wrk.
/// </summary>
internal static class ApiBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var dialect = args.Length > 0 ? args[0] : "sqlite";
        var file = args.Length > 1 ? args[1] : throw new ArgumentException("usage: api sqlite|postgres FILE");
        using var postgres = dialect == "postgres" ? new PostgresServer() : null;
        var home = Directory.CreateTempSubdirectory("updraft-api-bench-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["UPDRAFT_HOME"] = home, ["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False" };
            if (postgres is not null)
            {
                env["UPDRAFT__DATABASE__CONNECTION"] = postgres.CreateDatabase();
            }

            // The list cache as configured ([api] list_cache_seconds, 1 s by default; run-api.sh passes it through).
            if (Environment.GetEnvironmentVariable("UPDRAFT__API__LIST_CACHE_SECONDS") is { } cache)
            {
                env["UPDRAFT__API__LIST_CACHE_SECONDS"] = cache;
            }

            var ctx = new CliContext(new CliEnvironment(env, TextWriter.Null, TextWriter.Null, TimeProvider.System));
            await ctx.MigrateAsync();
            var database = ctx.Database;
            var now = TimeProvider.System.GetUtcNow();
            var serialized = new List<SerializedDag>();
            for (var i = 0; i < 1000; i++)
            {
                var dag = new Dag($"api_{i:0000}", schedule: "0 * * * *", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), fileloc: $"/dags/api_{i:0000}.cs")
                {
                    Tags = [$"team_{i % 10}", "bench"],
                    Description = $"Benchmark DAG {i}",
                };
                for (var t = 0; t < 10; t++)
                {
                    dag.Empty($"task_{t}");
                }

                serialized.Add(DagSerializer.Serialize(dag, new DagDefaults()));
            }

            var dags = new DagStore(database);
            await dags.SyncAsync(serialized, [], [], ctx.TriggerKwargs, now);
            var runs = new DagRunStore(database);
            foreach (var dag in serialized)
            {
                await DagRunService.CreateManualRunAsync(dags, runs, new TriggerRequest(dag.DagId) { RunId = "r1" }, now);
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
            var options = new ApiServerOptions
            {
                Host = "127.0.0.1",
                Port = 0,
                JwtSecret = config.Get("api_auth", "jwt_secret"),
                ListCacheLifetime = TimeSpan.FromSeconds(config.GetDouble("api", "list_cache_seconds")),
            };
            await using var server = await ApiServer.StartAsync(options, await ctx.ExecutionServiceAsync(), services);
            var token = new Updraft.Server.Security.UserTokens(options.JwtSecret, options.JwtExpiration, TimeProvider.System).Issue("admin");
            await File.WriteAllTextAsync(file + ".tmp", $"{server.Address}\n{token}\n");
            File.Move(file + ".tmp", file);
            Console.WriteLine($"serving 1,000 DAGs and 10,000 task instances on {dialect} at {server.Address}; close standard input to stop");
            await Console.In.ReadToEndAsync();
            return 0;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
