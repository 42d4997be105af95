using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Updraft.Core.Serialization;

namespace Updraft.Dags.Loading;

/// <summary>
/// The code every DAG file of a DAGs folder can use: the <c>.cs</c> files under its <c>_shared</c> folder, compiled
/// together into one assembly, and the <c>.dll</c> libraries there, referenced by that assembly and by every DAG
/// file. Kept as one bundle (the folder's path and every file) named by the SHA-256 of its content, so a DAG version
/// records the exact shared code it was built with and a worker fetches that bundle as it fetches the DAG file
/// (ADR 0021).
/// </summary>
public sealed class SharedCode
{
    /// <summary>The folder, directly under a DAGs folder, whose files are shared code rather than DAG files.</summary>
    public const string FolderName = "_shared";

    private const string Format = "updraft-shared/1";
    private static readonly byte[] Prefix = Encoding.UTF8.GetBytes("{\"format\":\"" + Format + "\"");

    private SharedCode(string folder, IReadOnlyList<SharedFile> files, byte[] content)
    {
        Folder = folder;
        Files = files;
        Content = content;
        Hash = Convert.ToHexStringLower(SHA256.HashData(content));
    }

    /// <summary>The <c>_shared</c> folder (its full path when read from disk).</summary>
    public string Folder { get; }

    /// <summary>Each file, by its path relative to <see cref="Folder"/>, in ordinal order.</summary>
    public IReadOnlyList<SharedFile> Files { get; }

    /// <summary>The bundle as stored: what <see cref="Hash"/> is the SHA-256 of.</summary>
    public byte[] Content { get; }

    public string Hash { get; }

    public IEnumerable<SharedFile> Sources => Files.Where(f => f.IsSource);

    public IEnumerable<SharedFile> Libraries => Files.Where(f => !f.IsSource);

    /// <summary>The bundle as a code entry, stored and fetched by hash like a DAG file's content.</summary>
    public DagCode ToDagCode() => new(Hash, Folder, Content);

    /// <summary>
    /// The shared code of the DAGs folder <paramref name="dagsFolder"/>: the <c>.cs</c> and <c>.dll</c> files under its
    /// <c>_shared</c> folder (hidden folders and <c>bin</c>/<c>obj</c> skipped); null when it has none.
    /// </summary>
    public static SharedCode? Read(string dagsFolder)
    {
        ArgumentNullException.ThrowIfNull(dagsFolder);
        var folder = Path.GetFullPath(Path.Combine(dagsFolder, FolderName));
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var files = new List<SharedFile>();
        Collect(folder, folder, files);
        return files.Count == 0 ? null : FromFiles(folder, files);
    }

    /// <summary>As <see cref="Read"/>, with a file that cannot be read reported as an import error of the folder instead of thrown.</summary>
    public static SharedCode? TryRead(string dagsFolder, out ImportError? error)
    {
        error = null;
        try
        {
            return Read(dagsFolder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = new ImportError(Path.Combine(dagsFolder, FolderName), 0, $"Cannot read the shared code: {e.Message}");
            return null;
        }
    }

    /// <summary>A bundle from its files (relative paths), as <see cref="Read"/> builds it.</summary>
    public static SharedCode FromFiles(string folder, IEnumerable<SharedFile> files)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(files);
        var sorted = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var document = new Bundle(Format, folder, [.. sorted.Select(f => new BundleFile(f.Path, Convert.ToBase64String(f.Content)))]);
        return new SharedCode(folder, sorted, JsonSerializer.SerializeToUtf8Bytes(document, BundleJson));
    }

    /// <summary>Whether <paramref name="code"/> is a shared-code bundle rather than a DAG file.</summary>
    public static bool IsBundle(DagCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code.Content.AsSpan().StartsWith(Prefix);
    }

    /// <summary>The bundle stored as <paramref name="code"/>; a clear error when it is not one.</summary>
    public static SharedCode FromDagCode(DagCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        Bundle? document = null;
        if (IsBundle(code))
        {
            try
            {
                document = JsonSerializer.Deserialize<Bundle>(code.Content, BundleJson);
            }
            catch (JsonException)
            {
                document = null;
            }
        }

        if (document is null || document.Format != Format)
        {
            throw new InvalidDataException($"Code {code.SourceHash} ({code.Fileloc}) is not a shared-code bundle of format {Format}.");
        }

        var files = document.Files.Select(f => new SharedFile(f.Path, Convert.FromBase64String(f.Content))).ToList();
        return new SharedCode(document.Folder, files, code.Content);
    }

    private static void Collect(string root, string directory, List<SharedFile> files)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var extension = Path.GetExtension(file);
            if (extension is ".cs" or ".dll")
            {
                files.Add(new SharedFile(Path.GetRelativePath(root, file).Replace('\\', '/'), File.ReadAllBytes(file)));
            }
        }

        foreach (var sub in Directory.EnumerateDirectories(directory))
        {
            var name = Path.GetFileName(sub);
            if (!name.StartsWith('.') && name is not ("bin" or "obj"))
            {
                Collect(root, sub, files);
            }
        }
    }

    private static readonly JsonSerializerOptions BundleJson = new(JsonSerializerDefaults.Web);

    private sealed record Bundle(string Format, string Folder, IReadOnlyList<BundleFile> Files);

    private sealed record BundleFile(string Path, string Content);
}

/// <summary>One file of the shared code: its path relative to the <c>_shared</c> folder and its bytes.</summary>
public sealed record SharedFile(string Path, byte[] Content)
{
    public bool IsSource => Path.EndsWith(".cs", StringComparison.Ordinal);

    /// <summary>Where the file is (or was) on disk, for error messages and symbols.</summary>
    public string FullPath(string folder) => System.IO.Path.Combine(folder, Path);
}
