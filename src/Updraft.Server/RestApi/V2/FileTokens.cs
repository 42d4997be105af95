using System.Text;

namespace Updraft.Server.RestApi.V2;

/// <summary>
/// A DAG's <c>file_token</c>: its file's path in URL-safe base64, as the reparse route takes it back. It is not a secret
/// (the path is in the same DAG details as <c>fileloc</c>); the DAG processor parses only files of its DAG folders.
/// </summary>
internal static class FileTokens
{
    public static string Write(string fileloc) => Convert.ToBase64String(Encoding.UTF8.GetBytes(fileloc)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The path a token names, or null when it is not a token.</summary>
    public static string? Read(string token)
    {
        var text = token.Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
