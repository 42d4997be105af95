using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Storage.Database;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft db migrate | check | reset</c>.</summary>
internal static class DbCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var db = new Command("db", "Manage the metadata database.");

        var migrate = new Command("migrate", "Create the metadata database or bring its schema up to date.");
        migrate.SetAction(async (_, cancellationToken) =>
        {
            var ctx = context();
            var applied = await ctx.MigrateAsync(cancellationToken);
            ctx.Environment.Out.WriteLine($"Database {ctx.Database.Description}: schema version {new Migrator(ctx.Database, ctx.Environment.Time).LatestVersion} ({applied} migration(s) applied).");
            return 0;
        });

        var check = new Command("check", "Check that the metadata database is reachable and at this Updraft's schema version.");
        check.SetAction(async (_, cancellationToken) =>
        {
            var ctx = context();
            await new Migrator(ctx.Database, ctx.Environment.Time).CheckAsync(cancellationToken);
            ctx.Environment.Out.WriteLine($"Database {ctx.Database.Description}: OK.");
            return 0;
        });

        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var reset = new Command("reset", "Delete everything in the metadata database and create it anew.") { yes };
        reset.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            if (!parse.GetValue(yes))
            {
                throw new CliException("'db reset' deletes all runs, task instances, connections and variables; pass -y to confirm.");
            }

            await new Migrator(ctx.Database, ctx.Environment.Time).ResetAsync(cancellationToken);
            ctx.Environment.Out.WriteLine($"Database {ctx.Database.Description}: reset.");
            return 0;
        });

        db.Add(migrate);
        db.Add(check);
        db.Add(reset);
        return db;
    }
}
