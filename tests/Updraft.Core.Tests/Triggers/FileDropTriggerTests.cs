using Updraft.Core.Runtime;
using Updraft.Core.Triggers;

namespace Updraft.Core.Tests.Triggers;

/// <summary>The file-drop trigger on a real folder: a file is in flight until its event is stored, and delivered again when it was not.</summary>
public sealed class FileDropTriggerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("updraft-drop-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TriggerContext Context() => new() { Log = new TaskLogger(new TestContexts.ListLogSink(), TimeProvider.System) };

    private FileDropTrigger Trigger() => new() { Folder = _folder, Pattern = "*.csv", PokeInterval = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task ATakenFile_IsInFlightUntilItsEventIsStored_ThenProcessed()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "a.csv"), "id\n1\n");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var events = Trigger().RunAsync(Context(), limit.Token).GetAsyncEnumerator(limit.Token);
        Assert.True(await events.MoveNextAsync());

        var processed = Path.Combine(_folder, "processed", "a.csv");
        Assert.Equal(processed, (string?)events.Current.Payload!["path"]);
        Assert.False(File.Exists(Path.Combine(_folder, "a.csv")));
        Assert.True(File.Exists(Path.Combine(_folder, "processed", ".inflight", "a.csv")));
        Assert.False(File.Exists(processed));

        await events.Current.Stored!(CancellationToken.None);
        Assert.True(File.Exists(processed));
        Assert.False(File.Exists(Path.Combine(_folder, "processed", ".inflight", "a.csv")));
    }

    [Fact]
    public async Task AFileWhoseEventWasNotStored_IsDeliveredAgainWhenTheTriggerStartsAgain()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "b.csv"), "id\n2\n");
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await using var first = Trigger().RunAsync(Context(), limit.Token).GetAsyncEnumerator(limit.Token);
            Assert.True(await first.MoveNextAsync());
            Assert.Equal("b.csv", (string?)first.Current.Payload!["name"]);

            // The database failed before the event was stored: Stored is never called, the trigger stops.
        }

        using var again = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var second = Trigger().RunAsync(Context(), again.Token).GetAsyncEnumerator(again.Token);
        Assert.True(await second.MoveNextAsync());
        Assert.Equal("b.csv", (string?)second.Current.Payload!["name"]);
        await second.Current.Stored!(CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(_folder, "processed", "b.csv")));
    }
}
