using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using Updraft.Cli.Commands;
using Updraft.Cli.Hosting;
using Updraft.Core.Configuration;
using Updraft.Core.Connections;
using Updraft.Core.Dags;
using Updraft.Core.Templates;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;

namespace Updraft.Cli;

/// <summary>The <c>updraft</c> command tree. Errors the user can fix print one line and exit non-zero, never a stack trace.</summary>
public static class UpdraftCli
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        CliContext? context = null;
        CliContext Context() => context ??= new CliContext(environment);

        var root = new RootCommand("Updraft: workflow orchestration for .NET, with DAGs written in C#.")
        {
            ConfigCommands.Create(Context),
            DbCommands.Create(Context),
            DagsCommands.Create(Context),
            TasksCommands.Create(Context),
            Version(environment),
        };
        root.Add(ConnectionsCommands.Create(Context));
        root.Add(PoolsCommands.Create(Context));
        root.Add(AssetsCommands.Create(Context));
        root.Add(UsersCommands.Create(Context));
        root.Add(RolesCommands.Create(Context));
        root.Add(BackfillCommand.CreateGroup(Context));
        foreach (var command in VariablesCommands.Create(Context))
        {
            root.Add(command);
        }

        foreach (var service in ServiceCommands.Create(Context))
        {
            root.Add(service);
        }

        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration
                {
                    Output = environment.Out,
                    Error = environment.Error,
                    EnableDefaultExceptionHandler = false,

                    // Signals are handled in Program.cs; System.CommandLine's own handler would end the process a few
                    // seconds after SIGTERM, before services have stopped their workers and removed their pid files.
                    ProcessTerminationTimeout = null,
                },
                cancellationToken);
        }
        catch (Exception e) when (IsUserError(e))
        {
            environment.Error.WriteLine($"Error: {e.Message}");
            return e is CliException cli ? cli.ExitCode : 1;
        }
        catch (OperationCanceledException)
        {
            environment.Error.WriteLine("Stopped.");
            return 130;
        }
        catch (Exception e)
        {
            // Anything else is a bug of ours; the user still gets one line, and the type to report.
            environment.Error.WriteLine($"Error: unexpected {e.GetType().Name}: {e.Message}");
            return 2;
        }
    }

    private static bool IsUserError(Exception e) => e is CliException or ConfigException or KeyNotFoundException or ParamValidationException
        or InvalidScheduleException or TemplateException or InvalidConnectionException or DagDefinitionException or JsonException
        or DatabaseException or ArgumentException or Core.Secrets.InvalidTokenException or IOException or UnauthorizedAccessException or Scheduling.Operations.OperationException or Microsoft.Extensions.Options.OptionsValidationException;

    private static Command Version(CliEnvironment environment)
    {
        var command = new Command("version", "Print the Updraft version.");
        command.SetAction(_ =>
        {
            var version = typeof(UpdraftCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            environment.Out.WriteLine(version.Split('+')[0]);
            return 0;
        });
        return command;
    }
}
