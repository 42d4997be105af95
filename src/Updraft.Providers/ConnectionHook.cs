using Updraft.Core.Connections;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// The base of hooks: a client for an outside system configured by a connection (Airflow's <c>BaseHook</c>). The
/// connection is read through the task's secrets chain (environment, then database), so its password is masked in the
/// task's log once read. Providers extend this with their own client.
/// </summary>
public abstract class ConnectionHook(TaskContext context, string connId)
{
    private Connection? _connection;

    protected TaskContext Context { get; } = context ?? throw new ArgumentNullException(nameof(context));

    public string ConnId { get; } = connId ?? throw new ArgumentNullException(nameof(connId));

    /// <summary>The hook's connection; fails the task clearly when it is not defined.</summary>
    public async Task<Connection> GetConnectionAsync() =>
        _connection ??= await Context.Connections.GetAsync(ConnId, Context.CancellationToken)
            ?? throw new InvalidOperationException(
                $"The connection '{ConnId}' is not defined: add it with 'updraft connections add {ConnId} …' or UPDRAFT_CONN_{ConnId.ToUpperInvariant()}.");
}
