using System.Data.Common;
using System.Text;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// Runs SQL on a postgres or sqlite connection (Airflow's <c>SQLExecuteQueryOperator</c>): a templated statement, or
/// several separated by <c>;</c> with <see cref="SplitStatements"/>, in one transaction, with named parameters
/// (<c>@name</c>). The XCom is the last statement's rows (<see cref="ReturnLast"/>) or every statement's, each row an
/// array. A SQL error fails the task with the database's message in its log.
/// </summary>
public sealed class SqlOperator : Operator
{
    public SqlOperator(Dag dag, string taskId, string sql, string connId, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(connId);
        Sql = sql;
        ConnId = connId;
    }

    public override string OperatorName => "SQLExecuteQueryOperator";

    public string Sql { get; }

    public string ConnId { get; }

    /// <summary>Values for <c>@name</c> placeholders.</summary>
    public Dictionary<string, object?> Parameters { get; set; } = [];

    /// <summary>Split the SQL at <c>;</c> (outside quotes and comments) and run each statement.</summary>
    public bool SplitStatements { get; set; }

    /// <summary>Push only the last statement's rows (the default) rather than a list of every statement's.</summary>
    public bool ReturnLast { get; set; } = true;

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields()
    {
        yield return new("sql", Sql);
    }

    public override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sql = context.Rendered.GetValueOrDefault("sql") ?? Sql;
        var statements = SplitStatements ? Split(sql) : [sql];
        var hook = await SqlHook.ForAsync(context, ConnId);
        IReadOnlyList<IReadOnlyList<object?[]>> results;
        try
        {
            results = await hook.RunAsync(statements, Parameters);
        }
        catch (DbException e)
        {
            context.Log.Error($"SQL error: {e.Message}");
            throw new InvalidOperationException($"SQL error on connection '{ConnId}': {e.Message}", e);
        }

        return ReturnLast ? results[^1] : results;
    }

    /// <summary>The statements of a script: split at <c>;</c> outside quotes and comments, empty ones dropped.</summary>
    public static IReadOnlyList<string> Split(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var statements = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (i < script.Length)
        {
            var c = script[i];
            if (c is '\'' or '"')
            {
                var end = script.IndexOf(c, i + 1);
                while (end >= 0 && end + 1 < script.Length && script[end + 1] == c)
                {
                    end = script.IndexOf(c, end + 2);
                }

                end = end < 0 ? script.Length - 1 : end;
                current.Append(script, i, end - i + 1);
                i = end + 1;
            }
            else if (c == '-' && i + 1 < script.Length && script[i + 1] == '-')
            {
                var end = script.IndexOf('\n', i);
                i = end < 0 ? script.Length : end;
            }
            else if (c == '/' && i + 1 < script.Length && script[i + 1] == '*')
            {
                var end = script.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? script.Length : end + 2;
            }
            else if (c == ';')
            {
                Flush();
                i++;
            }
            else
            {
                current.Append(c);
                i++;
            }
        }

        Flush();
        return statements;

        void Flush()
        {
            var statement = current.ToString().Trim();
            if (statement.Length > 0)
            {
                statements.Add(statement);
            }

            current.Clear();
        }
    }
}
