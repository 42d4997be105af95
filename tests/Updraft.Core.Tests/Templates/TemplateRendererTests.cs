using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Templates;

namespace Updraft.Core.Tests.Templates;

public class TemplateRendererTests
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["UPDRAFT_VAR_BUCKET"] = "my-bucket",
        ["UPDRAFT_VAR_SETTINGS"] = "{\"region\": \"eu-west-1\", \"sizes\": [1, 2]}",
        ["UPDRAFT_CONN_WAREHOUSE"] = "postgresql://etl:s%40cret@db.example.com:5432/analytics?sslmode=require",
    };

    private static Task<string> RenderAsync(string template, JsonObject? conf = null)
    {
        var dag = new Dag("render_test") { Params = { ["x"] = 42, ["name"] = "world" } };
        var task = dag.Empty("t");
        return TestContexts.For(task, conf, Environment).RenderAsync(template, "bash_command");
    }

    [Theory]
    [InlineData("{{ ds }}", "2025-01-02")]
    [InlineData("{{ds_nodash}}", "20250102")]
    [InlineData("{{ ts }}", "2025-01-02T03:04:05+00:00")]
    [InlineData("{{ ts_nodash }}", "20250102T030405")]
    [InlineData("{{ logical_date }}", "2025-01-02T03:04:05+00:00")]
    [InlineData("{{ data_interval_start }}", "2025-01-02T03:04:05+00:00")]
    [InlineData("{{ data_interval_end }}", "2025-01-03T03:04:05+00:00")]
    [InlineData("{{ run_id }}", "manual__2025-01-02T03:04:05+00:00")]
    [InlineData("{{ dag.dag_id }}.{{ task.task_id }}", "render_test.t")]
    [InlineData("{{ ti.try_number }}", "1")]
    [InlineData("{{ params.x }} {{ params.name }}", "42 world")]
    [InlineData("{{ params['name'] }}", "world")]
    [InlineData("{{ var.value.bucket }}", "my-bucket")]
    [InlineData("{{ var.json.settings.region }}", "eu-west-1")]
    [InlineData("{{ var.json.settings.sizes[1] }}", "2")]
    [InlineData("{{ conn.warehouse.host }}:{{ conn.warehouse.port }}/{{ conn.warehouse.schema }}", "db.example.com:5432/analytics")]
    [InlineData("{{ conn.warehouse.login }}", "etl")]
    [InlineData("{{ conn.warehouse.extra_dejson.sslmode }}", "require")]
    [InlineData("no templates here", "no templates here")]
    [InlineData("a { b } c", "a { b } c")]
    [InlineData("{# a comment #}kept", "kept")]
    [InlineData("{{ '{{' }} literal", "{{ literal")]
    public async Task RenderAsync_KnownNames_RenderAsAirflowDoes(string template, string expected) =>
        Assert.Equal(expected, await RenderAsync(template));

    [Fact]
    public async Task RenderAsync_DagRunConf_ReadsTheRunsConf()
    {
        var conf = new JsonObject { ["table"] = "orders", ["full"] = true, ["x"] = 7 };
        Assert.Equal("orders True 7", await RenderAsync("{{ dag_run.conf.table }} {{ dag_run.conf.full }} {{ params.x }}", conf));
    }

    [Theory]
    [InlineData("{{ nope }}", "'nope' is undefined")]
    [InlineData("{{ params.missing }}", "'params.missing' is undefined")]
    [InlineData("{{ var.value.missing }}", "'var.value.missing' is undefined")]
    [InlineData("{{ conn.missing.host }}", "'conn.missing' is undefined")]
    [InlineData("{{ conn.warehouse.nothing }}", "'conn.warehouse.nothing' is undefined")]
    [InlineData("{{ dag_run.conf.absent }}", "'dag_run.conf.absent' is undefined")]
    [InlineData("{{ ds | upper }}", "filters are not supported")]
    [InlineData("{% if true %}x{% endif %}", "statements such as")]
    [InlineData("{{ ds ", "is never closed")]
    [InlineData("{{ }}", "empty expression")]
    [InlineData("{{ a-b }}", "cannot read the expression")]
    public async Task RenderAsync_BadTemplate_FailsWithFieldAndReason(string template, string reason)
    {
        var error = await Assert.ThrowsAsync<TemplateException>(() => RenderAsync(template));
        Assert.StartsWith("Template error in 'bash_command'", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public async Task RenderAsync_VariableThatIsNotJson_SaysSo()
    {
        var error = await Assert.ThrowsAsync<TemplateException>(() => RenderAsync("{{ var.json.bucket }}"));
        Assert.Contains("Variable 'bucket' is not valid JSON", error.Message);
    }
}
