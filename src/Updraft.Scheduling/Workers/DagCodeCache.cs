using System.Security.Cryptography;
using Updraft.Core.Serialization;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// DAG file contents a worker has fetched, kept on disk by hash (<c>$UPDRAFT_HOME/cache/dag-code</c>), so each version
/// crosses the execution API once per machine. What is read back is checked against its hash.
/// </summary>
internal sealed class DagCodeCache(string folder)
{
    public async Task<DagCode?> GetAsync(string sourceHash, string fileloc, Func<Task<DagCode?>> fetch)
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
