using Updraft.Storage.Stores;

namespace Updraft.Cli.Hosting;

/// <summary>Records CLI actions that change state in the event log, with the operating-system user as the owner.</summary>
internal static class EventLog
{
    public static async Task WriteAsync(CliContext ctx, string eventName, string? dagId, string? runId, string? taskId, string? extra, CancellationToken cancellationToken) =>
        await new EventLogStore(ctx.Database, ctx.Environment.Time).AddAsync($"cli_{eventName}", Environment.UserName, dagId, taskId, runId, extra, cancellationToken);
}
