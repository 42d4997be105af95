using System.Diagnostics;
using System.Globalization;
using Dapper;
using Updraft.Storage.Database;

/// <summary>
/// `wake-watch N`: what the SQLite wake-file watch costs a scheduler while other processes write to the database. Two
/// listener processes on one SQLite database — one watching the wake file as a scheduler does (and so seeing every
/// write to the WAL in the same folder, dropped by name), one idle — while this process commits N small transactions;
/// each listener reports the CPU time it used and how often it was woken (never: nothing here wakes schedulers).
/// </summary>
internal static class WakeWatchBench
{
    private static readonly string[] Modes = ["watch", "idle"];
    private static readonly string[] Descriptions = ["watching the wake file", "idle (no watch)"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args[0] == "listen")
        {
            return await ListenAsync(args[1], args[2] == "watch");
        }

        var commits = int.Parse(args[0], CultureInfo.InvariantCulture);
        var folder = Directory.CreateTempSubdirectory("updraft-wake-").FullName;
        try
        {
            var path = Path.Combine(folder, "updraft.db");
            var database = MetadataDatabase.FromUri("sqlite:///" + path);
            await using (var connection = await database.OpenAsync())
            {
                await connection.ExecuteAsync("CREATE TABLE work (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
            }

            var listeners = Modes.Select(mode => Start(path, mode)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var clock = Stopwatch.StartNew();
            await using (var connection = await database.OpenAsync())
            {
                for (var i = 0; i < commits; i++)
                {
                    await connection.ExecuteAsync("INSERT INTO work (payload) VALUES (@payload)", new { payload = new string('x', 200) });
                }
            }

            var elapsed = clock.Elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wake-watch: {commits} commits to the database in {elapsed.TotalSeconds:0.0} s ({commits / elapsed.TotalSeconds:0} /s)"));
            foreach (var (process, mode) in listeners.Zip(Descriptions))
            {
                await process.StandardInput.WriteLineAsync("stop");
                var report = await process.StandardOutput.ReadLineAsync();
                await process.WaitForExitAsync();
                Console.WriteLine($"  listener {mode}: {report}");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }

        return 0;
    }

    private static Process Start(string path, string mode)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "wake-watch", "listen", path, mode })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>Listens (or idles) until told to stop on standard input; prints its CPU time since it started listening.</summary>
    private static async Task<int> ListenAsync(string path, bool watch)
    {
        var database = MetadataDatabase.FromUri("sqlite:///" + path);
        var woken = 0;
        using var stop = new CancellationTokenSource();
        var listening = watch ? database.ListenForSchedulersAsync(() => Interlocked.Increment(ref woken), stop.Token) : Task.CompletedTask;
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        await Console.In.ReadLineAsync();
        var used = Process.GetCurrentProcess().TotalProcessorTime - before;
        await stop.CancelAsync();
        await listening.ContinueWith(_ => { }, TaskScheduler.Default);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{used.TotalMilliseconds:0} ms of CPU, woken {woken} times"));
        return 0;
    }
}
