using Updraft.Cli;
using Updraft.Cli.Hosting;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await UpdraftCli.RunAsync(args, CliEnvironment.FromProcess(), cancel.Token);
