using Microsoft.Playwright;
using Updraft.Core.States;
using Updraft.Scheduling.Tests;
using Updraft.Storage.Stores;

namespace Updraft.Server.Tests.Ui;

/// <summary>The DAG page's other views (graph, Gantt, code, details, runs), mark success, assets, approvals and admin.</summary>
public sealed class UiViewsBrowserTests : UiBrowserTest
{
    private const string Shapes = """
        var start = dag.Task("start", ctx => new[] { "eu", "us", "apac" }).With(t => t.Outlets = [new Asset("ui_orders")]);
        var section = dag.Group("section", _ => { dag.Empty("one").Then(dag.Empty("two")); });
        var each = dag.Map("each", start, (string region) => region.ToUpperInvariant());
        start.Then(section).Then(dag.Empty("end").With(t => t.DocMd = "Marks the **end**."));
        dag.Bash("say_day", "echo day {{ ds }}");
        """;

    private const string ShapesSettings = """
        DocMd = "# Shapes\nSome **bold** words and <script>window.injected = 1</script> as text.", Params = { ["region"] = new Param("eu") { Enum = ["eu", "us"] } }
        """;

    private async Task<string> RunShapesAsync()
    {
        Api.Orchestra.WriteDag("shapes.cs", Orchestra.DagSource("shapes", Shapes, ShapesSettings));
        await Api.Orchestra.ProcessAsync();
        await new DagStore(Api.Orchestra.Database).SetPausedAsync("shapes", false);
        var run = await Api.Orchestra.TriggerAsync("shapes");
        var (engine, executor) = Api.Orchestra.NewScheduler();
        await Api.Orchestra.RunToCompletionAsync(engine, executor);
        Assert.Equal("success", await Api.Orchestra.RunStateAsync("shapes", run.RunId));
        return run.RunId;
    }

    [Fact]
    public async Task TheGraph_GroupsOpenAndClose_StatesFollowTheRun_AndTheOtherViewsShowTheRunAndTheDag()
    {
        var runId = await RunShapesAsync();
        var page = await SignInAsync("user", "/dags/shapes/graph");

        // Groups start collapsed into one box; states are the run's.
        await page.WaitForSelectorAsync("#graph [data-node='start'][data-state='success']");
        Assert.Equal("success", await page.GetAttributeAsync("#graph [data-node='group:section']", "data-state"));
        Assert.Equal(0, await page.Locator("#graph [data-node='section.one']").CountAsync());
        Assert.Equal(3, await page.Locator("#graph .edges path").CountAsync());
        await ScreenshotsAsync(page, "dag-graph");

        // Opened, the group's tasks are laid out inside its box, nothing overlapping.
        await page.ClickAsync("#graph [data-node='group:section']");
        await page.WaitForSelectorAsync("#graph [data-node='section.one'][data-state='success']");
        Assert.True(await page.EvaluateAsync<bool>("""
            (() => {
              const boxes = [...document.querySelectorAll('#graph .node rect.box')].map(r => r.getBBox());
              const group = document.querySelector('#graph .group.open rect').getBBox();
              const inside = ['section.one', 'section.two'].map(id => document.querySelector(`#graph [data-node="${id}"] rect.box`).getBBox())
                .every(b => b.x >= group.x && b.y >= group.y && b.x + b.width <= group.x + group.width && b.y + b.height <= group.y + group.height);
              const apart = boxes.every((a, i) => boxes.every((b, j) => i === j || a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y));
              return inside && apart;
            })()
            """), "boxes overlap or the group does not hold its tasks");
        await ScreenshotsAsync(page, "dag-graph-expanded");

        // A task's panel shows its own docs.
        await page.ClickAsync("#graph [data-node='end']");
        await page.WaitForSelectorAsync("#ti-docs details.task-docs");
        await page.ClickAsync("#ti-docs summary");
        Assert.Equal("end", await page.Locator("#ti-docs strong").TextContentAsync());

        // A templated task's panel shows its fields as its try rendered them.
        await page.ClickAsync("#graph [data-node='say_day']");
        await page.WaitForFunctionAsync("document.getElementById('panel-title')?.textContent.startsWith('say_day')");
        await page.ClickAsync("#ti-tab-rendered");
        await page.WaitForSelectorAsync("#rendered tr.rendered-row");
        Assert.Matches(@"echo day \d{4}-\d{2}-\d{2}", await page.Locator("#rendered").TextContentAsync());
        await ScreenshotsAsync(page, "task-rendered");

        // A mapped task's panel lists its instances; each has its own state and log.
        await page.ClickAsync("#graph [data-node='each']");
        await page.WaitForFunctionAsync("document.querySelectorAll('#ti-mapped .map-index').length === 3");
        await page.ClickAsync("#ti-mapped .map-index[data-map-index='2']");
        await page.WaitForFunctionAsync("document.getElementById('panel-title')?.textContent.startsWith('each[2]')");
        Assert.Equal("success", await page.Locator("#ti-state").TextContentAsync());
        Assert.Contains("map=2", page.Url, StringComparison.Ordinal);
        await page.ClickAsync("#ti-tab-xcom");
        await page.WaitForFunctionAsync("document.getElementById('xcom')?.textContent.includes('APAC')");
        await ScreenshotsAsync(page, "task-mapped-xcom");

        // Gantt: one bar per task instance of the run.
        await page.GotoAsync($"/dags/shapes/gantt?run={Uri.EscapeDataString(runId)}");
        await page.WaitForSelectorAsync(".gantt-row[data-task-id='start'] .bar.state-success");

        Assert.Equal(3, await page.Locator(".gantt-row[data-task-id='each']").CountAsync());
        await ScreenshotsAsync(page, "dag-gantt");

        // Code of the DAG's version, with line numbers.
        await page.ClickAsync("nav.tabs a[data-tab='code']");
        await page.WaitForSelectorAsync("#code");
        Assert.Contains("Source_shapes", await page.Locator("#code").TextContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "dag-code");

        // Details: docs rendered from Markdown, raw HTML shown as text and never run; the params.
        await page.ClickAsync("nav.tabs a[data-tab='details']");
        await page.WaitForSelectorAsync("#dag-docs h1");
        Assert.Equal("bold", await page.Locator("#dag-docs strong").TextContentAsync());
        Assert.Equal(0, await page.Locator("#dag-docs script").CountAsync());
        Assert.Contains("<script>", await page.Locator("#dag-docs").TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("region", await page.Locator("#dag-params").TextContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "dag-details");

        // Runs: the history, and a run's panel.
        await page.ClickAsync("nav.tabs a[data-tab='runs']");
        await page.ClickAsync($"#runs-table a.run-link[data-run-id='{runId}']");
        await page.WaitForSelectorAsync("#run-state");
        Assert.Contains("success", await page.Locator("#run-state").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("{}", await page.Locator("#run-conf").TextContentAsync());
        await ScreenshotsAsync(page, "dag-runs");
    }

    [Fact]
    public async Task AWaitingTaskSaysWhy_AndAFailedTaskIsMarkedSuccessAfterAPreview()
    {
        Api.Orchestra.WriteDag("breaks.cs", Orchestra.DagSource("breaks", """
            var work = dag.Task("work", ctx => throw new InvalidOperationException("broken")).With(t => t.Retries = 0);
            _ = work >> dag.Empty("after");
            """));
        await Api.Orchestra.ProcessAsync();
        await new DagStore(Api.Orchestra.Database).SetPausedAsync("breaks", false);
        var run = await Api.Orchestra.TriggerAsync("breaks");
        var (engine, executor) = Api.Orchestra.NewScheduler();
        await Api.Orchestra.RunToCompletionAsync(engine, executor);
        var waiting = await Api.Orchestra.TriggerAsync("breaks");
        await Api.Orchestra.NewScheduler().Engine.RunOnceAsync();

        // A task of a run not yet scheduled: the panel says why it does not run.
        var page = await SignInAsync("user", $"/dags/breaks?run={Uri.EscapeDataString(waiting.RunId)}&task=after");
        await page.WaitForSelectorAsync("#ti-why li");
        Assert.Contains("upstream", (await page.Locator("#ti-why").TextContentAsync())!, StringComparison.OrdinalIgnoreCase);
        await ScreenshotsAsync(page, "task-why-waiting");

        await page.GotoAsync($"/dags/breaks?run={Uri.EscapeDataString(run.RunId)}&task=work");
        await page.WaitForFunctionAsync("document.getElementById('ti-state')?.textContent === 'failed'");
        await page.ClickAsync("#ti-mark-success");
        await page.WaitForFunctionAsync("document.querySelectorAll('#mark-preview .mark-item').length === 1");
        await page.CheckAsync("#mark-downstream");
        await page.WaitForFunctionAsync("document.querySelectorAll('#mark-preview .mark-item').length === 2");
        await page.UncheckAsync("#mark-downstream");
        await page.WaitForFunctionAsync("document.querySelectorAll('#mark-preview .mark-item').length === 1");
        await ScreenshotsAsync(page, "mark-preview");
        await page.ClickAsync("#mark-dialog-submit");
        await page.WaitForFunctionAsync("document.getElementById('message').textContent.startsWith('Marked ')");
        await page.WaitForFunctionAsync("document.getElementById('ti-state')?.textContent === 'success'");
        var ti = await new TaskInstanceStore(Api.Orchestra.Database).GetAsync(new TaskInstanceKey("breaks", run.RunId, "work"));
        Assert.Equal(TaskInstanceState.Success, ti!.State);

        // A Viewer sees no actions.
        var viewer = await SignInAsync("viewer", $"/dags/breaks?run={Uri.EscapeDataString(run.RunId)}&task=work");
        await viewer.WaitForSelectorAsync("#ti-state");
        Assert.Equal(0, await viewer.Locator("#ti-mark-success, #ti-clear").CountAsync());
    }

    [Fact]
    public async Task AssetsShowTheirEvents_AndAnApprovalIsAnsweredOnThePage()
    {
        await RunShapesAsync();
        Api.Orchestra.WriteDag("approve.cs", Orchestra.DagSource("approve", """
            var ask = dag.Approval("sign_off", "Publish the report?").With(t => { t.Body = "Numbers are in."; t.PollInterval = TimeSpan.FromMilliseconds(100); });
            ask.Then(dag.Task("publish", ctx => ctx.Log.Info("published")));
            """));
        await Api.Orchestra.ProcessAsync();
        await new DagStore(Api.Orchestra.Database).SetPausedAsync("approve", false);
        var run = await Api.Orchestra.TriggerAsync("approve");
        var (engine, _) = Api.Orchestra.NewScheduler();
        var tis = new TaskInstanceStore(Api.Orchestra.Database);
        async Task<TaskInstanceState?> StateAsync(string task) => (await tis.GetAsync(new TaskInstanceKey("approve", run.RunId, task)))?.State;
        await WaitAsync(async () =>
        {
            await engine.RunOnceAsync();
            return await StateAsync("sign_off") == TaskInstanceState.Deferred;
        });

        var page = await SignInAsync("user", "/assets");
        await page.ClickAsync("#assets a.asset-link:text('ui_orders')");
        await page.WaitForSelectorAsync("#asset-events li.asset-event");
        Assert.Contains("shapes", await page.Locator("#asset-events").TextContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "assets");

        await page.ClickAsync("#nav a[href='/approvals']");
        await page.WaitForSelectorAsync("form.approval");
        Assert.Contains("Numbers are in.", await page.Locator("form.approval").TextContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "approvals");
        await page.ClickAsync("form.approval button[value='Approve']");
        await page.WaitForSelectorAsync("#no-approvals");
        Assert.Contains("by user", await page.Locator("#approvals-answered").TextContentAsync(), StringComparison.Ordinal);
        var answer = await new HitlStore(Api.Orchestra.Database).GetAsync(new TaskInstanceKey("approve", run.RunId, "sign_off"));
        Assert.Equal(("user", "Approve"), (answer!.Response!.RespondedBy, answer.Response.ChosenOptions.Single()));
    }

    [Fact]
    public async Task Admin_ConnectionsKeepPasswordsWriteOnly_VariablesMaskSecrets_PoolsShowUsage_AndHealthAndEventsShow()
    {
        var page = await SignInAsync("admin", "/admin/connections");
        await page.ClickAsync("#connection-add");
        await page.FillAsync("#conn-id", "warehouse");
        await page.FillAsync("#conn-type", "postgres");
        await page.FillAsync("#conn-host", "db.internal");
        await page.FillAsync("#conn-password", "pa55-w0rd-xyz");
        await page.FillAsync("#conn-extra", "{not json");
        await page.ClickAsync("#connection-dialog-submit");
        await page.WaitForFunctionAsync("document.getElementById('connection-dialog-error').textContent.startsWith('Extra is not valid JSON')");
        await page.FillAsync("#conn-extra", "");
        await page.ClickAsync("#connection-dialog-submit");
        await page.WaitForSelectorAsync("#connections tr[data-connection-id='warehouse']");
        Assert.Equal("set", (await page.Locator("#connections tr[data-connection-id='warehouse'] td:nth-child(6)").TextContentAsync())!.Trim());
        await page.ClickAsync("#connections tr[data-connection-id='warehouse'] button.edit");
        Assert.Equal("", await page.Locator("#conn-password").InputValueAsync());
        Assert.DoesNotContain("pa55-w0rd-xyz", await page.ContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "admin-connection-edit");
        await page.ClickAsync("#connection-dialog-cancel");
        await ScreenshotsAsync(page, "admin-connections");

        await page.ClickAsync("nav.tabs a[href='/admin/variables']");
        await page.ClickAsync("#variable-add");
        await page.FillAsync("#var-key", "partner_api_key");
        await page.FillAsync("#var-value", "top-secret-value");
        await page.ClickAsync("#variable-dialog-submit");
        await page.WaitForSelectorAsync("#variables tr[data-key='partner_api_key']");
        Assert.Equal("***", await page.Locator("#variables tr[data-key='partner_api_key'] .value-cell").TextContentAsync());
        Assert.DoesNotContain("top-secret-value", await page.ContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "admin-variables");

        await page.ClickAsync("nav.tabs a[href='/admin/pools']");
        await page.WaitForSelectorAsync("#pools tr[data-pool='default_pool'] .meter");
        await ScreenshotsAsync(page, "admin-pools");

        await page.ClickAsync("nav.tabs a[href='/admin/health']");
        await page.WaitForSelectorAsync("#health-metadatabase .health.healthy");
        await ScreenshotsAsync(page, "admin-health");

        await page.ClickAsync("nav.tabs a[href='/admin/events']");
        await page.WaitForSelectorAsync("#event-log tbody tr");
        await ScreenshotsAsync(page, "admin-events");

        // Users (Admin only): a new user with a role, who can then sign in; a built-in role's permissions, read-only.
        await page.ClickAsync("nav.tabs a[href='/admin/users']");
        await page.ClickAsync("#user-add");
        await page.FillAsync("#user-name", "carol");
        await page.FillAsync("#user-email", "carol@example.com");
        await page.FillAsync("#user-password", RestApi.RestApiServer.Password);
        await page.CheckAsync("fieldset.roles-pick input[value='Viewer']");
        await page.ClickAsync("#user-dialog-submit");
        await page.WaitForSelectorAsync("#users tr[data-username='carol']");
        Assert.Contains("Viewer", await page.Locator("#users tr[data-username='carol']").TextContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "admin-users");
        var carol = await SignInAsync("carol");
        await carol.WaitForSelectorAsync("tr[data-dag-id='alpha']");

        await page.ClickAsync("nav.tabs a[href='/admin/roles']");
        await page.ClickAsync("#roles a[href='/admin/roles?role=Viewer']");
        await page.WaitForSelectorAsync("#role-panel input[data-action='can_read'][data-resource='DAGs']:checked:disabled");
        await ScreenshotsAsync(page, "admin-roles");

        // The server does not expose its configuration: the page says so.
        await page.ClickAsync("nav.tabs a[href='/admin/config']");
        await page.WaitForSelectorAsync("#config-hidden");
        Assert.Contains("chose not to expose", await page.Locator("#config-hidden").TextContentAsync(), StringComparison.Ordinal);

        // A Viewer reads pools but may not change them, and may not see connections.
        var viewer = await SignInAsync("viewer", "/admin/pools");
        await viewer.WaitForSelectorAsync("#pools tr[data-pool='default_pool']");
        Assert.Equal(0, await viewer.Locator("#pool-add, #pools button.edit").CountAsync());
        await viewer.GotoAsync("/admin/connections");
        await viewer.WaitForSelectorAsync("#forbidden");
        Assert.Equal(0, await viewer.Locator("#nav a[href='/admin/connections'], nav.tabs a[href='/admin/connections']").CountAsync());
    }
}
