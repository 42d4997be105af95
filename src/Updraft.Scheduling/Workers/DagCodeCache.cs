using System.Security.Cryptography;
using Updraft.Core.Serialization;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// DAG file contents a worker has fetched, kept on disk by hash (<c>$UPDRAFT_HOME/cache/dag-code</c>), so each version
/// crosses the execution API once per machine. What is read back is checked against its hash.
/// </summary>
internal sealed class DagCodeCache(string folder)
{
    // The versions this process has already read or fetched: the next try of the same version costs nothing.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DagCode> _loaded = new(StringComparer.Ordinal);

    public async Task<DagCode?> GetAsync(string sourceHash, string fileloc, Func<Task<DagCode?>> fetch)
    {
        if (_loaded.TryGetValue(sourceHash, out var known))
        {
            return known;
        }

        var code = await ReadOrFetchAsync(sourceHash, fileloc, fetch);
        if (code is not null && _loaded.Count < 256)
        {
            _loaded[sourceHash] = code;
        }

        return code;
    }

    private async Task<DagCode?> ReadOrFetchAsync(string sourceHash, string fileloc, Func<Task<DagCode?>> fetch)
    {
        var path = Path.Combine(folder, sourceHash + Path.GetExtension(fileloc));
        if (File.Exists(path))
        {
            var content = await File.ReadAllBytesAsync(path);
            if (Convert.ToHexStringLower(SHA256.HashData(content)) == sourceHash)
            {
                return new DagCode(sourceHash, fileloc, content);
            }
        }

        var fetched = await fetch();
        if (fetched is not null)
        {
            Directory.CreateDirectory(folder);
            var temp = $"{path}.{Environment.ProcessId}.tmp";
            await File.WriteAllBytesAsync(temp, fetched.Content);
            File.Move(temp, path, overwrite: true);
        }

        return fetched;
    }
}
