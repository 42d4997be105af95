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

    [Theory]
    [InlineData("{{ macros.ds_add(ds, 7) }}", "2025-01-09")]
    [InlineData("{{ macros.ds_add(ds, -2) }}", "2024-12-31")]
    [InlineData("{{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }}", "02/01/2025")]
    [InlineData("{{ macros.ds_format('20250102', '%Y%m%d', '%b %d, %Y') }}", "Jan 02, 2025")]
    [InlineData("{{ (data_interval_end - macros.timedelta(days=1)) | ds }}", "2025-01-02")]
    [InlineData("{{ data_interval_start | ds_nodash }}-{{ data_interval_end | ds }}", "20250102-2025-01-03")]
    [InlineData("{{ data_interval_end - data_interval_start }}", "1 day, 0:00:00")]
    [InlineData("{{ macros.datetime(2025, 3, 1) + macros.timedelta(hours=6, minutes=30) }}", "2025-03-01T06:30:00+00:00")]
    [InlineData("{{ logical_date.strftime('%Y/%m/%d %H:%M') }} {{ logical_date.year }}", "2025/01/02 03:04 2025")]
    [InlineData("{{ params.name | upper }} {{ 'ABC' | lower }} {{ ' x ' | trim }}!", "WORLD abc x!")]
    [InlineData("{{ params.missing | default('fallback') }} {{ params.name | d('no') }}", "fallback world")]
    [InlineData("{{ '' | default('empty', true) }}", "empty")]
    [InlineData("{{ var.json.settings | tojson }}", "{\"region\":\"eu-west-1\",\"sizes\":[1,2]}")]
    [InlineData("{{ var.json.settings.sizes | join('+') }} {{ var.json.settings.sizes | length }}", "1+2 2")]
    [InlineData("{{ params.x + 1 }} {{ params.x * 2 }} {{ params.x / 4 }} {{ ds ~ '!' }}", "43 84 10.5 2025-01-02!")]
    [InlineData("{{ 'a.b' | replace('.', '_') }} {{ 'hello world' | title }} {{ '7' | int + 1 }}", "a_b Hello World 8")]
    public async Task RenderAsync_MacrosFiltersAndArithmetic_AsAirflowsJinja(string template, string expected) =>
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
    [InlineData("{{ ds | shout }}", "the filter 'shout' is not supported; supported filters: capitalize, count, d, default, ds, ds_nodash, first, float, int, join, last, length, lower, replace, string, title, tojson, trim, ts, ts_nodash, ts_nodash_with_tz, upper.")]
    [InlineData("{{ params.missing | upper }}", "'params.missing' is undefined")]
    [InlineData("{{ macros.ds_add('yesterday', 1) }}", "macros.ds_add(): 'yesterday' is not a date (YYYY-MM-DD)")]
    [InlineData("{{ ds | int * 'x' }}", "cannot compute")]
    [InlineData("{{ logical_date.strftime('%Q') }}", "the strftime directive '%Q' is not supported")]
    [InlineData("{{ ds() }}", "'ds' cannot be called")]
    [InlineData("{% if true %}x{% endif %}", "statements such as")]
    [InlineData("{{ ds ", "is never closed")]
    [InlineData("{{ }}", "empty expression")]
    [InlineData("{{ a b }}", "cannot read the expression")]
    [InlineData("{{ a-b }}", "'a' is undefined")]
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
