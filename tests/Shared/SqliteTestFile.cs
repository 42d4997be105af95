namespace Updraft.Tests.Shared;

/// <summary>A throwaway SQLite database file for one test class; deleted, with its WAL and shared-memory files, on dispose.</summary>
public sealed class SqliteTestFile(string prefix = "updraft-test") : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.db");

    /// <summary>The <c>[database] connection</c> URI of the file.</summary>
    public string Uri => "sqlite:///" + Path;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }

        if (Directory.Exists(Path + "-wake"))
        {
            Directory.Delete(Path + "-wake", recursive: true);
        }
    }
}
