using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Updraft.Tests.Shared;

/// <summary>
/// A real SMTP server for the tests: Debian's aiosmtpd (<c>apt-get install python3-aiosmtpd</c>) started as a user
/// starts it, <c>python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c aiosmtpd.handlers.Mailbox DIR</c>, on a free loopback
/// port, keeping every message it accepts as a file in a Maildir the test reads.
/// </summary>
public sealed class SmtpTestServer : IDisposable
{
    private readonly Process _process;

    public SmtpTestServer()
    {
        Maildir = Path.Combine(Path.GetTempPath(), "updraft-smtp-" + Guid.NewGuid().ToString("N"));

        // aiosmtpd's Maildir handler makes the folder (with tmp/, new/, cur/) itself, and only when it does not exist.
        Port = FreePort();

        // Debian's interpreter, which has the package; another python3 earlier on PATH may not.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start aiosmtpd.");
        var until = TimeProvider.System.GetUtcNow().AddSeconds(20);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"aiosmtpd exited ({_process.ExitCode}): {_process.StandardError.ReadToEnd()} — install it with 'apt-get install python3-aiosmtpd'.");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                break;
            }
            catch (SocketException) when (TimeProvider.System.GetUtcNow() < until)
            {
                Task.Delay(100).GetAwaiter().GetResult();
            }
        }
    }

    public int Port { get; }

    public string Maildir { get; }

    /// <summary>An Updraft connection URI for this server: plain SMTP, no TLS, no login.</summary>
    public string ConnectionUri(string from = "updraft@example.com") =>
        $"smtp://127.0.0.1:{Port}?from_email={Uri.EscapeDataString(from)}&disable_ssl=true&disable_tls=true";

    /// <summary>The raw text of every message received so far.</summary>
    public IReadOnlyList<string> Messages()
    {
        var folder = Path.Combine(Maildir, "new");
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllText)] : [];
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already ended.
        }

        _process.Dispose();
        if (Directory.Exists(Maildir))
        {
            Directory.Delete(Maildir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
