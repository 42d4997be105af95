using System.Data.Common;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// Runs a query on a postgres or sqlite connection until its first row is truthy (Airflow's <c>SqlSensor</c>): the
/// first cell of the first row (or what <see cref="Selector"/> takes from the row) is tested by <see cref="Success"/>,
/// or else counts when it is not null, zero, false or empty. No row is "not yet", or a failure with
/// <see cref="FailOnEmpty"/>; <see cref="Failure"/> true on the cell fails the task (skips it with soft fail). The
/// result is the first row, as an array.
/// </summary>
public sealed class SqlSensor : SensorOperator
{
    public SqlSensor(Dag dag, string taskId, string sql, string connId, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
        ArgumentException.ThrowIfNullOrEmpty(sql);
        ArgumentException.ThrowIfNullOrEmpty(connId);
        Sql = sql;
        ConnId = connId;
    }

    public override string OperatorName => "SqlSensor";

    public string Sql { get; }

    public string ConnId { get; }

    /// <summary>Values for <c>@name</c> placeholders.</summary>
    public Dictionary<string, object?> Parameters { get; set; } = [];

    /// <summary>Which value of the first row is tested (the first cell by default).</summary>
    public Func<object?[], object?> Selector { get; set; } = row => row.Length > 0 ? row[0] : null;

    /// <summary>Done when true on the selected value; without it, a truthy value is done.</summary>
    public Func<object?, bool>? Success { get; set; }

    /// <summary>Fails the sensor when true on the selected value.</summary>
    public Func<object?, bool>? Failure { get; set; }

    /// <summary>A query returning no row fails the sensor instead of poking again.</summary>
    public bool FailOnEmpty { get; set; }

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields()
    {
        yield return new("sql", Sql);
    }

    protected override async Task<PokeResult> PokeAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sql = context.Rendered.GetValueOrDefault("sql") ?? Sql;
        var hook = await SqlHook.ForAsync(context, ConnId);
        IReadOnlyList<object?[]> rows;
        try
        {
            rows = (await hook.RunAsync([sql], Parameters))[0];
        }
        catch (DbException e)
        {
            context.Log.Error($"SQL error: {e.Message}");
            throw new InvalidOperationException($"SQL error on connection '{ConnId}': {e.Message}", e);
        }

        if (rows.Count == 0)
        {
            if (FailOnEmpty)
            {
                throw SensorFailure("No rows returned, raising as per fail_on_empty flag.");
            }

            context.Log.Info("No rows yet.");
            return PokeResult.NotDone;
        }

        var value = Selector(rows[0]);
        if (Failure is { } failure && failure(value))
        {
            throw SensorFailure($"Failure criteria met: Failure({Describe(value)}) returned true.");
        }

        var done = Success is { } success ? success(value) : IsTruthy(value);
        context.Log.Info($"First value {Describe(value)}: {(done ? "done" : "not yet")}.");
        return done ? PokeResult.Done(rows[0]) : PokeResult.NotDone;
    }

    /// <summary>Python's truth for a database value: null, zero, false, "" and empty collections are false.</summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null or DBNull => false,
        bool b => b,
        string s => s.Length > 0,
        byte or sbyte or short or ushort or int or uint or long or ulong => Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) != 0,
        float f => f != 0,
        double d => d != 0,
        decimal m => m != 0,
        TimeSpan t => t != TimeSpan.Zero,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    private static string Describe(object? value) => value is null or DBNull ? "None" : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
}
