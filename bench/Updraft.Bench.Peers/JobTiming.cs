namespace Updraft.Bench.Peers;

/// <summary>When one job's body started and ended, in <see cref="System.Diagnostics.Stopwatch"/> ticks of this process.</summary>
internal readonly record struct JobTiming(int Chain, int Index, long Start, long End);
