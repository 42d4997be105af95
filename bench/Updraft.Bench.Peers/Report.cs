using System.Diagnostics;
using System.Globalization;

namespace Updraft.Bench.Peers;

/// <summary>Prints the figures in the shape of SchedulerBench.ReportAsync, so the peers' lines read beside Updraft's.</summary>
internal static class Report
{
    public static void Print(Scene scene, TimeSpan wall)
    {
        var timings = Recorder.Timings.ToDictionary(t => (t.Chain, t.Index));
        var span = Seconds(timings.Values.Max(t => t.End) - timings.Values.Min(t => t.Start));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {timings.Count} jobs ({Recorder.Duplicates} run more than once) in {wall.TotalSeconds:0.00} s wall; {timings.Count / span:0} jobs/s from first start to last end"));
        if (!scene.ReportsLag)
        {
            return;
        }

        // Lag = start minus the moment the dependency was met: the previous job's end, or the chain's trigger.
        var lags = timings.Values.Select(t =>
        {
            var met = t.Index > 0 ? timings[(t.Chain, t.Index - 1)].End : Recorder.Triggered[t.Chain];
            return Seconds(t.Start - met);
        }).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  lag (dependency met -> job started): total {lags.Sum():0.00} s, mean {lags.Average() * 1000:0.0} ms, p50 {lags[lags.Count / 2] * 1000:0.0} ms, p95 {lags[(int)(lags.Count * 0.95)] * 1000:0.0} ms, max {lags[^1] * 1000:0.0} ms"));
    }

    public static void PrintUnfinished(Scene scene, TimeSpan timeout) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  stopped after {timeout.TotalSeconds:0} s: {Recorder.Ended} of {scene.Jobs} jobs had ended; no figures"));

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
