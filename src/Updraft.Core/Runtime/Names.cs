namespace Updraft.Core.Runtime;

/// <summary>
/// The rules for names and ids that users create: pools, variable keys, connection ids and run ids. Each check
/// returns the name unchanged or throws an <see cref="ArgumentException"/> whose one-line message says what is wrong.
/// The rules are written down in <c>docs/cli.md</c>.
/// </summary>
public static class Names
{
    /// <summary>The longest pool name, variable key, connection id or run id (Airflow's column widths).</summary>
    public const int MaxPoolLength = 256;

    public const int MaxKeyLength = 250;

    /// <summary>A pool name: 1–256 characters, no control characters, no spaces at either end.</summary>
    public static string Pool(string? name) => Text(name, "pool name", MaxPoolLength);

    /// <summary>A variable key: 1–250 characters, no control characters, no spaces at either end.</summary>
    public static string VariableKey(string? key) => Text(key, "variable key", MaxKeyLength);

    /// <summary>A connection id: 1–250 of letters, digits and <c>_ - . : / \ # ! ( )</c>, as Airflow's <c>sanitize_conn_id</c>.</summary>
    public static string ConnectionId(string? connId)
    {
        var id = Text(connId, "connection id", MaxKeyLength);
        var bad = id.FirstOrDefault(c => !(char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '/' or '\\' or '#' or '!' or '(' or ')'));
        return bad == default ? id : throw new ArgumentException($"Connection id '{id}' is not allowed: use letters, digits and _ - . : / \\ # ! ( ) only (found '{bad}').");
    }

    /// <summary>A run id: 1–250 of ASCII letters, digits and <c>_ . ~ : + -</c> (Airflow's <c>allowed_run_id_pattern</c>).</summary>
    public static string RunId(string? runId)
    {
        var id = Text(runId, "run id", MaxKeyLength);
        return RunIds.IsValid(id) ? id : throw new ArgumentException($"Run id '{id}' is not allowed: use letters, digits and _ . ~ : + - only.");
    }

    private static string Text(string? value, string what, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"A {what} must not be empty.");
        }

        if (value.Length > maxLength)
        {
            throw new ArgumentException($"A {what} must be at most {maxLength} characters, got {value.Length}.");
        }

        if (value.Any(char.IsControl))
        {
            throw new ArgumentException($"The {what} '{value.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)}' contains a control character.");
        }

        return value.Trim() == value ? value : throw new ArgumentException($"The {what} '{value}' must not start or end with spaces.");
    }
}
