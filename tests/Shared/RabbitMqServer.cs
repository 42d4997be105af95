using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Updraft.Tests.Shared;

/// <summary>
/// A throwaway RabbitMQ broker for the tests, started from the machine's <c>rabbitmq-server</c>
/// (<c>apt-get install rabbitmq-server</c>) and removed afterwards. Each test class takes its own virtual host
/// (<see cref="CreateVirtualHostAsync"/>), reached as a user with a password (<see cref="User"/>), not the guest user.
/// </summary>
/// <remarks>
/// The broker is a node of its own: a unique name (<c>updraft-test-PORT@localhost</c>), free loopback AMQP and
/// distribution ports, and its own folder for the database, logs, configuration and HOME. Debian's
/// <c>/usr/sbin/rabbitmq*</c> wrappers switch to the <c>rabbitmq</c> user (whose HOME, and so Erlang cookie, is
/// <c>/var/lib/rabbitmq</c>) when run as root; the scripts under <c>/usr/lib/rabbitmq/bin</c> run as whoever starts
/// them, so the broker and <c>rabbitmqctl</c> run as this user, both with HOME set to the broker's folder holding a
/// cookie written here. Several brokers (two test runs at once) share the machine's <c>epmd</c>, which the first starts
/// on port 4369 and which outlives them, as Erlang means it to; each registers its own name there.
/// </remarks>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private const string InstallHint = "RabbitMQ tests need a broker: install RabbitMQ (apt-get install -y rabbitmq-server); .ci/run installs it.";
    private readonly StringBuilder _output = new();
    private Dictionary<string, string> _environment = [];
    private string _folder = "";
    private string _binaries = "";
    private Process? _process;

    /// <summary>The user every virtual host of the tests grants everything to.</summary>
    public string User { get; } = "updraft";

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N")[..16];

    public const string Host = "127.0.0.1";

    public int Port { get; private set; }

    public string NodeName { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _binaries = FindBinaries();
        Exception? last = null;

        // A port found free may be taken before the broker binds it (another test run): try again on others.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await StartAsync();
                await CtlAsync("add_user", User, Password);
                return;
            }
            catch (InvalidOperationException e)
            {
                last = e;
                await StopAsync();
            }
        }

        throw last!;
    }

    /// <summary>Creates a new virtual host the user may use everything in, and returns its name.</summary>
    public async Task<string> CreateVirtualHostAsync()
    {
        var name = "updraft-test-" + Guid.NewGuid().ToString("N")[..12];
        await CtlAsync("add_vhost", name);
        await CtlAsync("set_permissions", "-p", name, User, ".*", ".*", ".*");
        return name;
    }

    /// <summary>The <c>amqp://</c> URI of <paramref name="virtualHost"/> as the user, with its password or <paramref name="password"/>.</summary>
    public string Uri(string virtualHost, string? password = null) =>
        $"amqp://{User}:{System.Uri.EscapeDataString(password ?? Password)}@{Host}:{Port}/{System.Uri.EscapeDataString(virtualHost)}";

    public Task DisposeAsync() => StopAsync();

    private async Task StartAsync()
    {
        _output.Clear();
        Port = FreePort();
        var distPort = FreePort();
        while (distPort == Port)
        {
            distPort = FreePort();
        }
        NodeName = $"updraft-test-{Port}@localhost";
        _folder = Directory.CreateTempSubdirectory("updraft-rabbit-").FullName;
        var home = Directory.CreateDirectory(Path.Combine(_folder, "home")).FullName;

        // Erlang refuses a cookie others may read.
        var cookie = Path.Combine(home, ".erlang.cookie");
        await File.WriteAllTextAsync(cookie, Guid.NewGuid().ToString("N").ToUpperInvariant());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        }

        var enabledPlugins = Path.Combine(_folder, "enabled_plugins");
        await File.WriteAllTextAsync(enabledPlugins, "[].\n");
        var envFile = Path.Combine(_folder, "rabbitmq-env.conf");
        await File.WriteAllTextAsync(envFile, "");

        // A nearly full disk on a build machine would otherwise block every publisher (the default limit is 50 MB).
        var config = Path.Combine(_folder, "rabbitmq.conf");
        await File.WriteAllTextAsync(config, "disk_free_limit.absolute = 1MB\n");

        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = home,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_USE_LONGNAME"] = "false",
            ["RABBITMQ_NODE_IP_ADDRESS"] = Host,
            ["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_folder, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(_folder, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(_folder, "rabbitmq.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = enabledPlugins,
            ["RABBITMQ_CONF_ENV_FILE"] = envFile,
            ["RABBITMQ_CONFIG_FILE"] = config,
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(_folder, "advanced.config"),
        };

        var start = NewStartInfo(Path.Combine(_binaries, "rabbitmq-server"), []);
        _process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // await_startup waits for a node that is booting, but fails at once while the node has not registered with
        // epmd yet: ask again until it answers or the broker dies.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited ({_process.ExitCode}) while starting node {NodeName}:\n{Output()}");
            }

            var (code, text) = await RunAsync(Path.Combine(_binaries, "rabbitmqctl"), ["-n", NodeName, "await_startup", "--timeout", "60"], TimeSpan.FromSeconds(75));
            if (code == 0)
            {
                return;
            }

            if (limit.IsCancellationRequested)
            {
                throw new InvalidOperationException($"RabbitMQ node {NodeName} did not start within 90 s: {text}\n{Output()}");
            }

            await Task.Delay(250, CancellationToken.None);
        }
    }

    private async Task StopAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    await RunAsync(Path.Combine(_binaries, "rabbitmqctl"), ["-n", NodeName, "stop"], TimeSpan.FromSeconds(30));
                    using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    await process.WaitForExitAsync(grace.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
            finally
            {
                // Whatever the stop left (the script, beam, its port helpers) goes with the process tree; epmd is
                // shared with other nodes and stays.
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                await process.WaitForExitAsync(CancellationToken.None);
                process.Dispose();
                _process = null;
            }
        }

        if (_folder.Length > 0 && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private async Task CtlAsync(params string[] args)
    {
        var (code, text) = await RunAsync(Path.Combine(_binaries, "rabbitmqctl"), ["-n", NodeName, .. args], TimeSpan.FromSeconds(60));
        if (code != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {args[0]} failed ({code}): {text}");
        }
    }

    private async Task<(int Code, string Output)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        using var process = Process.Start(NewStartInfo(file, args)) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s.");
        }

        return (process.ExitCode, await error + await output);
    }

    private ProcessStartInfo NewStartInfo(string file, string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The broker's settings are only the ones given here, whatever the machine's environment says.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("RABBITMQ_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static string FindBinaries()
    {
        // Debian and Ubuntu: the scripts themselves (/usr/sbin holds wrappers that switch to the rabbitmq user).
        const string debian = "/usr/lib/rabbitmq/bin";
        if (File.Exists(Path.Combine(debian, "rabbitmq-server")) && File.Exists(Path.Combine(debian, "rabbitmqctl")))
        {
            return debian;
        }

        // Elsewhere (the generic Unix package, Homebrew): the scripts on PATH.
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(folder, "rabbitmq-server")) && File.Exists(Path.Combine(folder, "rabbitmqctl")))
            {
                return folder;
            }
        }

        throw new InvalidOperationException(InstallHint);
    }

    private static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;

            // rabbitmqctl's own nodes listen on 35672-35682.
            if (port is < 35672 or > 35682)
            {
                return port;
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            var logs = Path.Combine(_folder, "log");
            var log = Directory.Exists(logs) ? string.Join("\n", Directory.GetFiles(logs, "*.log").Select(File.ReadAllText)) : "";
            return _output + log;
        }
    }
}
