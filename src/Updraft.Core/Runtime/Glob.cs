using System.Text;
using System.Text.RegularExpressions;

namespace Updraft.Core.Runtime;

/// <summary>Glob patterns over <c>/</c>-separated relative paths: <c>*</c> and <c>?</c> within a name, <c>**</c> across folders.</summary>
public static class Glob
{
    /// <summary>
    /// The regular expression (without anchors) for <paramref name="glob"/>; with <paramref name="doubleStarCrossesFolders"/>
    /// false, <c>**</c> is two <c>*</c> and stays within a name.
    /// </summary>
    public static string ToRegexBody(string glob, bool doubleStarCrossesFolders = true)
    {
        ArgumentNullException.ThrowIfNull(glob);
        var regex = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*' && doubleStarCrossesFolders)
            {
                regex.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.ToString();
    }
}
