using Updraft.Core.Connections;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// The base of hooks: a client for an outside system configured by a connection (Airflow's <c>BaseHook</c>). The
/// connection is read through the task's secrets chain (environment, then database), so its password is masked in the
/// task's log once read. Providers extend this with their own client.
/// </summary>
public abstract class ConnectionHook
{
    private Connection? _connection;

    /// <summary>A hook for a task: its connections, log and cancellation.</summary>
    protected ConnectionHook(TaskContext context, string connId)
        : this((context ?? throw new ArgumentNullException(nameof(context))).Connections, context.Log, connId, context.CancellationToken)
    {
    }

    /// <summary>A hook outside a task (a notifier in a DAG's callback): the connections and log it uses.</summary>
    protected ConnectionHook(IConnectionStore connections, TaskLogger log, string connId, CancellationToken cancellationToken)
    {
        Connections = connections ?? throw new ArgumentNullException(nameof(connections));
        Log = log ?? throw new ArgumentNullException(nameof(log));
        ConnId = connId ?? throw new ArgumentNullException(nameof(connId));
        CancellationToken = cancellationToken;
    }

    protected IConnectionStore Connections { get; }

    protected TaskLogger Log { get; }

    protected CancellationToken CancellationToken { get; }

    public string ConnId { get; }

    /// <summary>The hook's connection; fails the task clearly when it is not defined.</summary>
    public async Task<Connection> GetConnectionAsync() =>
        _connection ??= await Connections.GetAsync(ConnId, CancellationToken)
            ?? throw new InvalidOperationException(
                $"The connection '{ConnId}' is not defined: add it with 'updraft connections add {ConnId} …' or UPDRAFT_CONN_{ConnId.ToUpperInvariant()}.");
}
