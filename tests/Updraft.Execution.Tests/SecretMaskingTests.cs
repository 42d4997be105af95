using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Execution.Testing;

namespace Updraft.Execution.Tests;

public class SecretMaskingTests
{
    private static readonly EnvironmentSecrets Secrets = new(new Dictionary<string, string>
    {
        ["UPDRAFT_CONN_DB"] = "postgres://etl:Sup3rS3cret@db.internal:5432/warehouse",
        ["UPDRAFT_VAR_API_KEY"] = "key-123456",
        ["UPDRAFT_VAR_BUCKET"] = "public-bucket",
    });

    private static List<string> RunAndCollectLog(Dag dag)
    {
        var sink = new Sink();
        dag.Test(options: new DagTestOptions { Log = sink, Variables = Secrets, Connections = Secrets });
        return sink.Lines;
    }

    [Fact]
    public void ConnectionPasswordInBashTemplate_MaskedInEveryLogLine()
    {
        var dag = new Dag("mask_bash");
        dag.Bash("connect", "echo connecting with {{ conn.db.password }} to {{ conn.db.host }}");
        var log = RunAndCollectLog(dag);
        Assert.DoesNotContain(log, l => l.Contains("Sup3rS3cret", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("connecting with *** to db.internal", StringComparison.Ordinal));
    }

    [Fact]
    public void SecretsReadInCode_MaskedWhenLogged()
    {
        var dag = new Dag("mask_code");
        dag.Task("read", async ctx =>
        {
            var conn = await ctx.Connections.GetAsync("db");
            var key = await ctx.Variables.GetAsync("api_key");
            var bucket = await ctx.Variables.GetAsync("bucket");
            ctx.Log.Info($"password={conn!.Password} key={key} bucket={bucket}");
            throw new InvalidOperationException($"failed using {conn.Password}");
        });
        var log = RunAndCollectLog(dag);
        Assert.Contains("password=*** key=*** bucket=public-bucket", log);
        Assert.DoesNotContain(log, l => l.Contains("Sup3rS3cret", StringComparison.Ordinal) || l.Contains("key-123456", StringComparison.Ordinal));
    }

    private static readonly System.Text.Json.JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void SecretPrintedEncoded_MaskedInEveryEncoding()
    {
        const string password = "p@ss w/rd+ü\"<1>";
        var secrets = new EnvironmentSecrets(new Dictionary<string, string>
        {
            ["UPDRAFT_CONN_API"] = new Core.Connections.Connection("api", "http") { Host = "api.internal", Login = "etl", Password = password }.ToUri(),
        });
        var dag = new Dag("mask_encoded");
        dag.Task("print", async ctx =>
        {
            var conn = (await ctx.Connections.GetAsync("api"))!;
            ctx.Log.Info($"uri={conn.ToUri()}");
            ctx.Log.Info($"json={conn.ToJson().ToJsonString()}");
            ctx.Log.Info($"relaxed={System.Text.Json.JsonSerializer.Serialize(conn.Password, RelaxedJson)}");
            ctx.Log.Info($"form={System.Net.WebUtility.UrlEncode(conn.Password)}");
            ctx.Log.Info($"base64={Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(conn.Password!))}");
            ctx.Log.Info($"plain={conn.Password}");
        });
        var sink = new Sink();
        dag.Test(options: new DagTestOptions { Log = sink, Variables = secrets, Connections = secrets });

        var printed = sink.Lines.Where(l => l.Contains('=', StringComparison.Ordinal) && !l.Contains("Marking", StringComparison.Ordinal)).ToList();
        foreach (var prefix in new[] { "uri=", "json=", "relaxed=", "form=", "base64=", "plain=" })
        {
            Assert.Contains(printed, l => l.Contains(prefix, StringComparison.Ordinal) && l.Contains("***", StringComparison.Ordinal));
        }

        var encodings = new[]
        {
            password, Uri.EscapeDataString(password), System.Net.WebUtility.UrlEncode(password),
            System.Text.Json.JsonSerializer.Serialize(password)[1..^1], Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(password)),
            "p@ss w/rd+ü\\\"<1>",
        };
        foreach (var encoded in encodings)
        {
            Assert.DoesNotContain(sink.Lines, l => l.Contains(encoded, StringComparison.Ordinal));
        }

        Assert.Contains(sink.Lines, l => l.Contains("api.internal", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("db_password", true)]
    [InlineData("API_KEY", true)]
    [InlineData("github_token", true)]
    [InlineData("bucket", false)]
    public void IsSensitiveName_LooksForSecretWords(string name, bool expected) => Assert.Equal(expected, SecretMasker.IsSensitiveName(name));

    private sealed class Sink : ITaskLogSink
    {
        public List<string> Lines { get; } = [];

        public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message)
        {
            lock (Lines)
            {
                Lines.Add(message);
            }
        }
    }
}
