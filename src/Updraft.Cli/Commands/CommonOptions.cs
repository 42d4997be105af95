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

    public static Argument<string> DagId() => new("dag_id") { Description = "The id of the DAG." };

    public static Option<string?> Conf() => new("--conf", "-c") { Description = "JSON object passed to the run as dag_run.conf (overrides params)." };
}
