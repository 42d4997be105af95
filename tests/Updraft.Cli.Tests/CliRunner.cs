using Updraft.Cli.Hosting;

namespace Updraft.Cli.Tests;

/// <summary>Runs the CLI in-process against its own UPDRAFT_HOME, capturing both output streams.</summary>
internal sealed class CliRunner : IDisposable
{
    public CliRunner(bool loadExamples = true)
    {
        Home = Directory.CreateTempSubdirectory("updraft-cli-").FullName;
        Environment["UPDRAFT_HOME"] = Home;
        Environment["UPDRAFT__CORE__LOAD_EXAMPLES"] = loadExamples ? "True" : "False";
    }

    public string Home { get; }

    public string DagsFolder => Path.Combine(Home, "dags");

    public Dictionary<string, string> Environment { get; } = [];

    public async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await UpdraftCli.RunAsync(args, new CliEnvironment(Environment, output, error, TimeProvider.System));
        return (exit, output.ToString(), error.ToString());
    }

    public void WriteDag(string name, string source)
    {
        Directory.CreateDirectory(DagsFolder);
        File.WriteAllText(Path.Combine(DagsFolder, name), source);
    }

    public void Dispose() => Directory.Delete(Home, recursive: true);
}
