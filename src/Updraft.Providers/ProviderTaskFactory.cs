using System.Runtime.CompilerServices;
using Updraft.Core.Dags;

namespace Updraft.Providers;

/// <summary>
/// The everyday operators as <c>dag.Http(…)</c>, <c>dag.Email(…)</c> and <c>dag.Sql(…)</c>, and their sensors as
/// <c>dag.HttpSensor(…)</c> and <c>dag.SqlSensor(…)</c>.
/// </summary>
public static class ProviderTaskFactory
{
    /// <summary>An HTTP call to <paramref name="endpoint"/> of connection <paramref name="connId"/>; see <see cref="HttpOperator"/>.</summary>
    public static HttpOperator Http(this Dag dag, string taskId, string endpoint, string method = "POST", string connId = HttpHook.DefaultConnId, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, endpoint, file, line) { Method = method, HttpConnId = connId };

    /// <summary>An email through SMTP connection <paramref name="connId"/>; see <see cref="EmailOperator"/>.</summary>
    public static EmailOperator Email(this Dag dag, string taskId, string to, string subject, string htmlContent, string connId = SmtpHook.DefaultConnId, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, to, subject, htmlContent, file, line) { ConnId = connId };

    /// <summary>SQL on a postgres or sqlite connection; see <see cref="SqlOperator"/>.</summary>
    public static SqlOperator Sql(this Dag dag, string taskId, string sql, string connId, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, sql, connId, file, line);

    /// <summary>Waits for endpoint <paramref name="endpoint"/> of connection <paramref name="connId"/> to answer as wanted; see <see cref="Providers.HttpSensor"/>.</summary>
    public static HttpSensor HttpSensor(this Dag dag, string taskId, string endpoint, string connId = HttpHook.DefaultConnId, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, endpoint, file, line) { HttpConnId = connId };

    /// <summary>Waits for <paramref name="sql"/> on a postgres or sqlite connection to return a truthy first row; see <see cref="Providers.SqlSensor"/>.</summary>
    public static SqlSensor SqlSensor(this Dag dag, string taskId, string sql, string connId, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, sql, connId, file, line);
}
