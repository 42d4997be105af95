using Updraft.Storage.Queries;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Operations;

/// <summary>Reading, pausing and deleting DAGs, with the rules and the event log the CLI and the REST API share.</summary>
public sealed class DagService(IDagStore dags, EventLogStore events)
{
    public Task<Page<DagRecord>> ListAsync(DagQuery query, CancellationToken cancellationToken = default) => dags.QueryAsync(query, cancellationToken);

    /// <summary>A DAG whose file still defines it; <see cref="OperationError.NotFound"/> otherwise.</summary>
    public async Task<DagRecord> GetAsync(string dagId, CancellationToken cancellationToken = default) =>
        await dags.GetAsync(dagId, cancellationToken) is { IsActive: true } dag ? dag : throw OperationException.DagNotFound(dagId);

    /// <summary>Pauses (no new runs are created; running ones go on) or unpauses a DAG.</summary>
    public async Task<DagRecord> SetPausedAsync(string dagId, bool paused, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await GetAsync(dagId, cancellationToken);
        await dags.SetPausedAsync(dagId, paused, cancellationToken);
        await events.AddAsync($"{actor.Via}_{(paused ? "pause" : "unpause")}", actor.User, dagId, cancellationToken: cancellationToken);
        return await GetAsync(dagId, cancellationToken);
    }

    /// <summary>Deletes a DAG's record with its versions, runs, task instances and history (its file stays; if it still defines the DAG, the DAG processor adds it again).</summary>
    public async Task DeleteAsync(string dagId, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!await dags.DeleteAsync(dagId, cancellationToken))
        {
            throw OperationException.DagNotFound(dagId);
        }

        await events.AddAsync($"{actor.Via}_delete", actor.User, dagId, cancellationToken: cancellationToken);
    }
}
