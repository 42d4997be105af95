using System.Diagnostics;
using System.Globalization;
using Updraft.Dags.Loading;

// dag-loading generate DIR N     writes N DAG files (3 tasks each, a mix of callable, Bash and empty)
// dag-loading load DIR CACHE     loads DIR with the compile cache in CACHE, twice in this process, and prints timings
if (args.Length == 3 && args[0] == "generate")
{
    Generate(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
    return 0;
}

if (args.Length == 3 && args[0] == "load")
{
    Load(args[1], args[2]);
    return 0;
}

if (args.Length >= 2 && args[0] == "scheduler")
{
    return await SchedulerBench.RunAsync(args[1..]);
}

if (args.Length >= 1 && args[0] == "assets")
{
    return await AssetBench.RunAsync(args[1..]);
}

if (args.Length >= 2 && args[0] == "triggerer")
{
    return await TriggererBench.RunAsync(args[1..]);
}

if (args.Length >= 2 && args[0] == "wake-watch")
{
    return await WakeWatchBench.RunAsync(args[1..]);
}

if (args.Length >= 1 && args[0] == "ui")
{
    return await UiBench.RunAsync(args[1..]);
}

if (args.Length >= 3 && args[0] == "api")
{
    return await ApiBench.RunAsync(args[1..]);
}

Console.Error.WriteLine("usage: Updraft.Bench generate DIR N | load DIR CACHE | scheduler SCENARIO [sqlite|postgres] | triggerer N [sqlite|postgres] | assets [sqlite|postgres] | wake-watch N | api sqlite|postgres FILE | ui [sqlite|postgres]");
return 2;

static void Generate(string directory, int count)
{
    Directory.CreateDirectory(directory);
    for (var i = 0; i < count; i++)
    {
        File.WriteAllText(Path.Combine(directory, $"dag_{i:0000}.cs"), $$$"""
            public sealed class Generated{{{i}}} : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("generated_{{{i}}}", schedule: "{{{i % 60}}} * * * *", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
                    {
                        Catchup = false,
                        Tags = ["generated"],
                        DefaultArgs = new() { Retries = {{{i % 3}}} },
                    };
                    var numbers = dag.Task("numbers", ctx => Enumerable.Range(0, {{{i % 50 + 1}}}).ToArray());
                    var total = dag.Task("total", numbers, (int[] n) => n.Sum());
                    _ = total >> dag.Bash("report", "echo {{ ds }} {{{i}}}") >> dag.Empty("done");
                    yield return dag;
                }
            }
            """);
    }
}

static void Load(string directory, string cache)
{
    var first = Measure(directory, cache, out var loader);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"first load in this process: {first.Elapsed.TotalSeconds:0.00} s, {first.Dags} DAGs, {first.Errors} import errors, {loader.Compiler.Compilations} files compiled"));
    var again = Stopwatch.StartNew();
    var bag = loader.Load([directory]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"reload by the same loader (nothing changed): {again.Elapsed.TotalSeconds:0.00} s, {bag.Dags.Count} DAGs"));
}

static (TimeSpan Elapsed, int Dags, int Errors) Measure(string directory, string cache, out DagBagLoader loader)
{
    var clock = Stopwatch.StartNew();
    loader = new DagBagLoader(new DagBagOptions { CacheDirectory = cache });
    var bag = loader.Load([directory]);
    return (clock.Elapsed, bag.Dags.Count, bag.ImportErrors.Count);
}
