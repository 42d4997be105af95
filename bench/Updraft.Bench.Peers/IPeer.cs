namespace Updraft.Bench.Peers;

/// <summary>
/// A peer scheduler driven through its public API. A scene runs in two steps so that only the work the scene is
/// about is timed: <see cref="PrepareAsync"/> stores what can be stored ahead (not timed), <see cref="ReleaseAsync"/>
/// lets the jobs go, and the wall clock runs from just before it to the last job's end.
/// </summary>
internal interface IPeer : IAsyncDisposable
{
    /// <summary>The settings that shape the figures (worker count, polling), printed beside them.</summary>
    string Settings { get; }

    /// <summary>Starts the peer against an empty database and runs one job through it, so start-up and JIT are not timed.</summary>
    Task StartAsync(string connectionString, CancellationToken cancellationToken);

    Task PrepareAsync(Scene scene, CancellationToken cancellationToken);

    /// <summary>Triggers every chain, calling <see cref="Recorder.MarkTriggered"/> for each.</summary>
    Task ReleaseAsync(Scene scene, CancellationToken cancellationToken);
}
