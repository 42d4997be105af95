using System.Diagnostics;
using System.Globalization;

namespace Updraft.Cli.Tests;

/// <summary>
/// The SDK package and the <c>dotnet new updraft-dags</c> template, as a DAG author uses them: packed by the repository
/// (eng/pack-sdk.sh), the template installed into a private template hive, a project created from it and restored
/// against the packages just built, and its unit test run; the project's DAG file also loads in Updraft itself.
/// </summary>
public sealed class SdkTemplateTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("updraft-sdk-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task TemplateProject_RestoresAgainstTheLocalSdkPackage_AndItsDagTestPasses()
    {
        var root = RepositoryRoot();
        var feed = Path.Combine(_work, "feed");
        var hive = Path.Combine(_work, "hive");
        var suffix = "test." + TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var version = $"{ProductVersion(root)}-{suffix}";

        await RunAsync("bash", [Path.Combine(root, "eng", "pack-sdk.sh"), feed, suffix], root);
        Assert.True(File.Exists(Path.Combine(feed, $"Updraft.Sdk.{version}.nupkg")), string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName)));

        await RunAsync("dotnet", ["new", "install", Path.Combine(feed, $"Updraft.Templates.{version}.nupkg"), "--debug:custom-hive", hive], _work);
        await RunAsync("dotnet", ["new", "updraft-dags", "-o", "MyDags", "--UpdraftVersion", version, "--debug:custom-hive", hive], _work);
        var project = Path.Combine(_work, "MyDags");
        Assert.True(File.Exists(Path.Combine(project, "MyDags.csproj")));
        Assert.Contains($"Version=\"{version}\"", await File.ReadAllTextAsync(Path.Combine(project, "MyDags.csproj")));
        await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="updraft-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);

        var test = await RunAsync("dotnet", ["test", project], project);
        Assert.Contains("Passed!  - Failed:     0, Passed:     1", test);

        // The same DAG file runs in Updraft from a DAGs folder.
        using var cli = new CliRunner(loadExamples: false);
        cli.Environment["UPDRAFT__CORE__DAGS_FOLDER"] = Path.Combine(project, "dags");
        var (exit, output, error) = await cli.RunAsync("dags", "test", "hello", "2025-03-01");
        Assert.True(exit == 0, error + output);
        Assert.Contains("total computed for 2025-03-01", output);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Updraft.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Updraft.slnx) was not found above the test's folder.");
    }

    private static string ProductVersion(string root)
    {
        var props = File.ReadAllText(Path.Combine(root, "Directory.Build.props"));
        var start = props.IndexOf("<VersionPrefix>", StringComparison.Ordinal) + "<VersionPrefix>".Length;
        return props[start..props.IndexOf("</VersionPrefix>", start, StringComparison.Ordinal)];
    }

    private static async Task<string> RunAsync(string file, string[] args, string directory)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test host's own MSBuild and test-platform settings must not leak into the nested builds.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}:\n{text}");
        return text;
    }
}
