namespace Updraft.Cli.Hosting;

/// <summary>Writes files that hold secrets (exports) readable by their owner only.</summary>
internal static class SecretFiles
{
    public static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(path, text, cancellationToken);
    }
}
