using Microsoft.Extensions.Hosting;
using Updraft.Storage.Database;

namespace Updraft.Cli.Hosting;

/// <summary>
/// The first part a service command's host starts and the last it stops: makes the database ready (standalone
/// creates or upgrades it and its admin account; the others require it migrated) and, for a scheduler on SQLite,
/// holds the one-scheduler lock until everything else has stopped.
/// </summary>
internal sealed class DatabaseStartup(
    CliContext ctx,
    bool standalone,
    bool scheduler,
    Func<CliContext, MetadataDatabase, CancellationToken, Task> ensureAdmin) : IHostedService, IDisposable
{
    private SchedulerLock? _lock;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (standalone)
        {
            await ctx.MigrateAsync(cancellationToken);
        }

        var database = await ctx.ReadyDatabaseAsync(cancellationToken);
        if (scheduler && database.Dialect == SqlDialect.Sqlite)
        {
            _lock = SchedulerLock.Acquire(Path.Combine(ctx.Config.Home, "scheduler.lock"));
        }

        if (standalone)
        {
            await ensureAdmin(ctx, database, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
