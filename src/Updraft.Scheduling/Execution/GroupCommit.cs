namespace Updraft.Scheduling.Execution;

/// <summary>
/// Coalesces concurrent calls into batches without delaying any: a call made while no batch is being written is
/// written at once, alone; calls made while one is being written wait for it and then go together as the next batch.
/// Under load a batch carries as many calls as arrived during the previous write; idle, a call costs what it always did.
/// A batch that fails fails each of its calls (their callers retry them), and never the next batch.
/// </summary>
internal sealed class GroupCommit<TIn, TOut>(Func<IReadOnlyList<TIn>, Task<IReadOnlyList<TOut>>> write, int maxBatch = 500)
{
    private readonly object _gate = new();
    private List<(TIn Item, TaskCompletionSource<TOut> Done)> _pending = [];
    private bool _writing;

    public Task<TOut> RunAsync(TIn item)
    {
        var done = new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            _pending.Add((item, done));
            start = !_writing;
            _writing = true;
        }

        if (start)
        {
            // On the thread pool, not in this caller: a store whose calls complete synchronously (SQLite) would
            // otherwise keep this caller writing batch after batch for as long as others keep arriving.
            _ = Task.Run(DrainAsync);
        }

        return done.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<(TIn Item, TaskCompletionSource<TOut> Done)> batch;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }

                if (_pending.Count <= maxBatch)
                {
                    batch = _pending;
                    _pending = [];
                }
                else
                {
                    batch = _pending[..maxBatch];
                    _pending.RemoveRange(0, maxBatch);
                }
            }

            try
            {
                var results = await write([.. batch.Select(b => b.Item)]);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.SetResult(results[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var (_, done) in batch)
                {
                    done.TrySetException(e);
                }
            }
        }
    }
}
