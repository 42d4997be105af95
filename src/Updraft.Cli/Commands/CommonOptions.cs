using System.CommandLine;
using Updraft.Cli.Output;

namespace Updraft.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<OutputFormat> Output()
    {
        var option = new Option<OutputFormat>("--output", "-o")
        {
            Description = "Output format: table, json, yaml or plain.",
            DefaultValueFactory = _ => OutputFormat.Table,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "table";
                if (Enum.TryParse<OutputFormat>(text, ignoreCase: true, out var format))
                {
                    return format;
                }

                result.AddError($"Invalid output format '{text}': expected table, json, yaml or plain.");
                return OutputFormat.Table;
            },
        };
        return option;
    }

    /// <summary>A count, limit or page size: a whole number of 1 or more (<see cref="Positive(ParseResult, Option{int})"/> checks it).</summary>
    public static Option<int> Positive(string name, string description, int defaultValue, params string[] aliases) =>
        new(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>The value of a <see cref="Positive(string, string, int, string[])"/> option; one line and exit 1 when below 1.</summary>
    public static int Positive(ParseResult parse, Option<int> option)
    {
        var value = parse.GetValue(option);
        return value >= 1 ? value : throw new Hosting.CliException($"{option.Name} must be at least 1, got {value}.");
    }

    public static Argument<string> DagId() => new("dag_id") { Description = "The id of the DAG." };

    public static Option<string?> Conf() => new("--conf", "-c") { Description = "JSON object passed to the run as dag_run.conf (overrides params)." };
}
