using System.Runtime.InteropServices;
using Updraft.Cli;
using Updraft.Cli.Hosting;

// Deliberately never disposed: a signal can still arrive while the process exits, after Main has returned,
// and its handler must find a live token source.
var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// Service managers and scripts stop processes with SIGTERM: stop cleanly then too.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    cancel.Cancel();
});
return await UpdraftCli.RunAsync(args, CliEnvironment.FromProcess(), cancel.Token);
