using System.CommandLine;
using Updraft.Cli.Hosting;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft config list | get-value</c>.</summary>
internal static class ConfigCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var config = new Command("config", "Read the configuration.");

        var section = new Option<string?>("--section") { Description = "Only this section." };
        var showSensitive = new Option<bool>("--show-sensitive") { Description = "Print sensitive values (keys, passwords) instead of hiding them." };
        var list = new Command("list", "Print the effective configuration as INI, with where each value comes from.") { section, showSensitive };
        list.SetAction(parse =>
        {
            var ctx = context();
            var output = ctx.Environment.Out;
            output.WriteLine($"# configuration file: {ctx.Config.ConfigPath}");
            var only = parse.GetValue(section);
            var entries = ctx.Config.List().Where(e => only is null || e.Section.Equals(only, StringComparison.OrdinalIgnoreCase)).ToList();
            if (only is not null && entries.Count == 0)
            {
                throw new CliException($"The section '{only}' does not exist in the configuration.");
            }

            foreach (var group in entries.GroupBy(e => e.Section))
            {
                output.WriteLine();
                output.WriteLine($"[{group.Key}]");
                foreach (var entry in group)
                {
                    var value = entry.Sensitive && !parse.GetValue(showSensitive) && entry.Value.Length > 0 ? "< hidden >" : entry.Value;
                    output.WriteLine($"# source: {entry.Source}");
                    output.WriteLine($"{entry.Key} = {value}");
                }
            }

            return 0;
        });

        var sectionArg = new Argument<string>("section") { Description = "The section, such as core." };
        var keyArg = new Argument<string>("option") { Description = "The key, such as dags_folder." };
        var getValue = new Command("get-value", "Print one configuration value.") { sectionArg, keyArg };
        getValue.SetAction(parse =>
        {
            var ctx = context();
            ctx.Environment.Out.WriteLine(ctx.Config.Get(parse.GetValue(sectionArg)!, parse.GetValue(keyArg)!));
            return 0;
        });

        config.Add(list);
        config.Add(getValue);
        return config;
    }
}
