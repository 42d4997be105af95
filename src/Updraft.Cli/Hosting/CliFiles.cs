using System.Text.Json.Nodes;

namespace Updraft.Cli.Hosting;

/// <summary>
/// Reads and writes the files commands take (imports, exports): every problem with a file — missing, a folder,
/// unreadable, unwritable, not JSON — is a one-line <see cref="CliException"/> naming the file.
/// </summary>
internal static class CliFiles
{
    public static async Task<string> ReadAsync(string path, string what, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            throw new CliException($"Cannot read {what} file {path}: it is a folder.");
        }

        if (!File.Exists(path))
        {
            throw new CliException($"Missing {what} file: {path}");
        }

        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot read {what} file {path}: {Reason(e)}.");
        }
    }

    /// <summary>Reads a file that must hold one JSON object.</summary>
    public static async Task<JsonObject> ReadObjectAsync(string path, string what, CancellationToken cancellationToken)
    {
        var text = await ReadAsync(path, what, cancellationToken);
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new CliException($"{path} must hold a JSON object of {what}.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CliException($"{path} is not valid JSON: {e.Message.Split('.')[0]}.");
        }
    }

    /// <summary>
    /// Writes a file whole. With <paramref name="secret"/>, the file is readable by its owner only (exports that hold
    /// passwords) from the moment it exists. The folder must exist.
    /// </summary>
    public static async Task WriteAsync(string path, string text, bool secret, CancellationToken cancellationToken)
    {
        CheckPlace(path, "");

        try
        {
            if (secret && !OperatingSystem.IsWindows() && File.Exists(path))
            {
                // Opening keeps an existing file's mode: narrow it before anything secret is written.
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (secret && !OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var stream = new FileStream(path, options))
            await using (var writer = new StreamWriter(stream))
            {
                await writer.WriteAsync(text.AsMemory(), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot write {path}: {Reason(e)}.");
        }
    }

    /// <summary>Checks that <paramref name="path"/> can be written (it is created, empty, if missing; an existing one is kept).</summary>
    public static void EnsureWritable(string path, string what)
    {
        CheckPlace(path, what + " ");

        try
        {
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot write {what} {path}: {Reason(e)}.");
        }
    }

    /// <summary>A file can only be written where its folder exists and it is not itself a folder.</summary>
    private static void CheckPlace(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new CliException($"Cannot write {what}{path}: it is a folder.");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new CliException(File.Exists(folder)
                ? $"Cannot write {what}{path}: {folder} is a file, not a folder."
                : $"Cannot write {what}{path}: the folder {folder} does not exist.");
        }
    }

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "its folder does not exist",
        FileNotFoundException => "no such file",
        _ => e.Message.TrimEnd('.'),
    };
}
