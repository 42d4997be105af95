namespace Updraft.Cli.Hosting;

/// <summary>
/// The one-scheduler rule of SQLite: a lock file beside the database, held while a scheduler runs. The
/// operating system releases it if the process dies, so a crash never leaves a stale lock.
/// </summary>
public sealed class SchedulerLock : IDisposable
{
    private readonly FileStream _stream;

    private readonly string _pidFile;

    private SchedulerLock(FileStream stream, string pidFile)
    {
        _stream = stream;
        _pidFile = pidFile;
    }

    public static SchedulerLock Acquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(path + ".pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return new SchedulerLock(stream, path + ".pid");
        }
        catch (IOException)
        {
            var holder = ReadHolder(path + ".pid");
            throw new CliException(
                $"A scheduler is already running on this SQLite database ({holder}); SQLite supports one scheduler at a time. Use PostgreSQL to run several.");
        }
    }

    public void Dispose()
    {
        File.Delete(_pidFile);
        _stream.Dispose();
    }

    /// <summary>Whether a scheduler holds the lock now.</summary>
    public static bool IsHeld(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string ReadHolder(string path)
    {
        try
        {
            var pid = File.Exists(path) ? File.ReadAllText(path).Trim() : "";
            return pid.Length > 0 ? $"pid {pid}" : "another process";
        }
        catch (IOException)
        {
            return "another process";
        }
    }
}
