using Updraft.Core.Connections;

namespace Updraft.Core.Runtime;

/// <summary>Variable and connection stores that register what a task reads with its <see cref="SecretMasker"/>.</summary>
public sealed class MaskingSecretStores(IVariableStore variables, IConnectionStore connections, SecretMasker masker) : IVariableStore, IConnectionStore
{
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var value = await variables.GetAsync(key, cancellationToken);
        if (SecretMasker.IsSensitiveName(key))
        {
            masker.Add(value);
        }

        return value;
    }

    async Task<Connection?> IConnectionStore.GetAsync(string connId, CancellationToken cancellationToken)
    {
        var connection = await connections.GetAsync(connId, cancellationToken);
        masker.Add(connection?.Password);
        foreach (var (name, value) in connection?.ExtraDejson ?? [])
        {
            if (SecretMasker.IsSensitiveName(name) && value is System.Text.Json.Nodes.JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String)
            {
                masker.Add(v.GetValue<string>());
            }
        }

        return connection;
    }
}
