using Updraft.Core.Connections;

namespace Updraft.Core.Runtime;

/// <summary>Looks variables and connections up in order (Airflow's: secrets backend, environment, metadata database); the first found wins.</summary>
public sealed class LayeredSecrets(IReadOnlyList<IVariableStore> variables, IReadOnlyList<IConnectionStore> connections) : IVariableStore, IConnectionStore
{
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        foreach (var store in variables)
        {
            if (await store.GetAsync(key, cancellationToken) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    async Task<Connection?> IConnectionStore.GetAsync(string connId, CancellationToken cancellationToken)
    {
        foreach (var store in connections)
        {
            if (await store.GetAsync(connId, cancellationToken) is { } connection)
            {
                return connection;
            }
        }

        return null;
    }
}
