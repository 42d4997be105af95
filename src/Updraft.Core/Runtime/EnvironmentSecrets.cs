using Updraft.Core.Connections;

namespace Updraft.Core.Runtime;

/// <summary>
/// Variables from <c>UPDRAFT_VAR_&lt;KEY&gt;</c> and connections from <c>UPDRAFT_CONN_&lt;ID&gt;</c> (URI or JSON),
/// read from the given environment.
/// </summary>
public sealed class EnvironmentSecrets(IReadOnlyDictionary<string, string> environment) : IVariableStore, IConnectionStore
{
    public const string VariablePrefix = "UPDRAFT_VAR_";
    public const string ConnectionPrefix = "UPDRAFT_CONN_";

    public static EnvironmentSecrets FromProcess() => new(Environment.GetEnvironmentVariables()
        .Cast<System.Collections.DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal));

    public Task<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(environment.TryGetValue(VariablePrefix + key.ToUpperInvariant(), out var value) ? value : null);

    Task<Connection?> IConnectionStore.GetAsync(string connId, CancellationToken cancellationToken) =>
        Task.FromResult(environment.TryGetValue(ConnectionPrefix + connId.ToUpperInvariant(), out var value)
            ? Connection.FromString(connId, value)
            : null);
}
