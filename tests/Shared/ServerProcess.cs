using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Updraft.Tests.Shared;

/// <summary>What the throwaway servers of the tests share: a free loopback port and running a set-up command to its end.</summary>
public static class ServerProcess
{
    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs <paramref name="file"/> (as <paramref name="user"/> through runuser, when given) and throws with its output when it fails.</summary>
    public static void Run(string file, IEnumerable<string> args, string? user = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var start = new ProcessStartInfo(user is null ? file : "runuser") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (user is not null)
        {
            foreach (var a in new[] { "-u", user, "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {error}{output.Result}");
        }
    }
}
