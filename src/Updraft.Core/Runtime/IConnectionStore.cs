using Updraft.Core.Connections;

namespace Updraft.Core.Runtime;

/// <summary>Looks up connections by id (secrets backend, environment, database).</summary>
public interface IConnectionStore
{
    /// <summary>The connection, or null when it does not exist.</summary>
    Task<Connection?> GetAsync(string connId, CancellationToken cancellationToken = default);
}
