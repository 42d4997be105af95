using System.Diagnostics;
using System.Globalization;

namespace Updraft.Scheduling.Workers;

/// <summary>The processes a process started, found through <c>/proc</c> (Linux), so a worker can end its task's children before itself.</summary>
internal static class ProcessTree
{
    /// <summary>Exit code of a worker that stopped itself because its try no longer owned its task instance.</summary>
    public const int LostTryExitCode = 75;

    /// <summary>Kills every process below <paramref name="pid"/>; does nothing where <c>/proc</c> is not available.</summary>
    public static void KillDescendants(int pid)
    {
        if (!Directory.Exists("/proc"))
        {
            return;
        }

        foreach (var child in Children(pid))
        {
            try
            {
                using var process = Process.GetProcessById(child);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It ended on its own meanwhile.
            }
        }
    }

    private static List<int> Children(int pid)
    {
        var children = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
                {
                    children.Add(candidate);
                }
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
        }

        return children;
    }
}
