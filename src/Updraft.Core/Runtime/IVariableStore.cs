namespace Updraft.Core.Runtime;

/// <summary>Looks up variables by key (secrets backend, environment, database).</summary>
public interface IVariableStore
{
    /// <summary>The variable's value, or null when it does not exist.</summary>
    Task<string?> GetAsync(string key, CancellationToken cancellationToken = default);
}
