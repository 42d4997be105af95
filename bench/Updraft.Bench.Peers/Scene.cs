using System.Globalization;

namespace Updraft.Bench.Peers;

/// <summary>
/// One scheduler scene of bench/Updraft.Bench/SchedulerBench.cs, as a number of independent chains of a given
/// length: a chain of length 1 is an independent job, so the three scenes need no other shape.
/// </summary>
internal sealed record Scene(string Name, int Chains, int Length)
{
    public int Jobs => Chains * Length;

    /// <summary>Whether lag is reported: throughput enqueues everything before the peer starts, so its lag would only measure the queue.</summary>
    public bool ReportsLag => Name != "throughput";

    public static Scene Parse(string name) => name switch
    {
        "chain" => new Scene(name, 1, 40),
        "lag" => new Scene(name, 100, 10),
        "throughput" => new Scene(name, 10_000, 1),
        _ => throw new ArgumentException($"unknown scene {name}: chain, lag or throughput", nameof(name)),
    };

    public string Describe() => Length == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Chains} independent jobs")
        : string.Create(CultureInfo.InvariantCulture, $"{Chains} chain(s) x {Length} chained jobs");
}
