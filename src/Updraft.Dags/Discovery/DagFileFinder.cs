using System.Text.RegularExpressions;

namespace Updraft.Dags.Discovery;

/// <summary>
/// Lists DAG files (<c>.cs</c> sources and prebuilt <c>.dll</c>s) under a folder, recursively, honouring
/// <c>.updraftignore</c> files: each line is a pattern (a regular expression searched in the path relative to
/// the ignore file's folder, or a glob with <c>[core] dag_ignore_file_syntax = glob</c>) that applies to that
/// folder and everything below it. Hidden folders, <c>bin</c>/<c>obj</c> build output and the folder's shared code
/// (<c>_shared</c> directly under it, see <see cref="Loading.SharedCode"/>) are skipped.
/// </summary>
public static class DagFileFinder
{
    public const string IgnoreFileName = ".updraftignore";

    public static IReadOnlyList<string> Find(string folder, IgnoreSyntax syntax = IgnoreSyntax.Regexp)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var files = new List<string>();
        if (File.Exists(folder))
        {
            files.Add(Path.GetFullPath(folder));
            return files;
        }

        if (!Directory.Exists(folder))
        {
            return files;
        }

        var root = Path.GetFullPath(folder);
        Walk(root, root, [], syntax, files);
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static void Walk(string root, string directory, List<(string Root, Regex Pattern)> inherited, IgnoreSyntax syntax, List<string> files)
    {
        var rules = new List<(string Root, Regex Pattern)>(inherited);
        var ignoreFile = Path.Combine(directory, IgnoreFileName);
        if (File.Exists(ignoreFile))
        {
            foreach (var line in File.ReadAllLines(ignoreFile))
            {
                var pattern = line.Split('#', 2)[0].Trim();
                if (pattern.Length > 0)
                {
                    rules.Add((directory, syntax == IgnoreSyntax.Glob ? GlobToRegex(pattern) : new Regex(pattern, RegexOptions.CultureInvariant)));
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var extension = Path.GetExtension(file);
            if ((extension == ".cs" || extension == ".dll") && !IsIgnored(file, rules))
            {
                files.Add(file);
            }
        }

        foreach (var sub in Directory.EnumerateDirectories(directory))
        {
            var name = Path.GetFileName(sub);
            if (name.StartsWith('.') || name is "bin" or "obj" || IsIgnored(sub, rules) || (directory == root && name == Loading.SharedCode.FolderName))
            {
                continue;
            }

            Walk(root, sub, rules, syntax, files);
        }
    }

    private static bool IsIgnored(string path, List<(string Root, Regex Pattern)> rules) =>
        rules.Any(r => r.Pattern.IsMatch(Path.GetRelativePath(r.Root, path).Replace('\\', '/')));

    /// <summary>A gitignore-style glob: <c>*</c> within a name, <c>**</c> across folders; a pattern without <c>/</c> matches a name at any depth.</summary>
    internal static Regex GlobToRegex(string glob)
    {
        var anchored = glob.TrimEnd('/').Contains('/', StringComparison.Ordinal);
        var body = glob.Trim('/');
        return new Regex((anchored ? "^" : "(^|/)") + Core.Runtime.Glob.ToRegexBody(body) + "(/|$)", RegexOptions.CultureInvariant);
    }
}
