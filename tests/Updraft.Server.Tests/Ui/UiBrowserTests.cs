using Microsoft.Playwright;
using Updraft.Scheduling.Tests;
using Updraft.Server.Tests.RestApi;
using Updraft.Storage.Stores;

namespace Updraft.Server.Tests.Ui;

/// <summary>The main journeys: sign in, find, unpause and trigger a DAG, watch it run; a task's log; clear; roles.</summary>
public sealed class UiBrowserTests : UiBrowserTest
{
    [Fact]
    public async Task AUser_SignsIn_FindsADag_UnpausesAndTriggersIt_AndWatchesTheRunTurnGreenInTheGrid()
    {
        var dags = new DagStore(Api.Orchestra.Database);
        await dags.SetPausedAsync("alpha", true);
        var page = await SignInAsync("user");
        await page.WaitForSelectorAsync("tr[data-dag-id='alpha']");
        await ScreenshotsAsync(page, "dag-list");

        // Search narrows the list (and the URL keeps it).
        await page.FillAsync("#dag-search", "alp");
        await page.WaitForFunctionAsync("document.querySelectorAll('tr[data-dag-id]').length === 1");
        Assert.Contains("search=alp", page.Url, StringComparison.Ordinal);

        // Unpause from the list.
        var row = page.Locator("tr[data-dag-id='alpha']");
        Assert.False(await row.Locator(".pause-toggle").IsCheckedAsync());
        await row.Locator(".pause-toggle").CheckAsync();
        await WaitAsync(async () => (await dags.GetAsync("alpha"))!.IsPaused == false);

        // Trigger from the form generated from the DAG's params: a value the param refuses is the server's message on
        // the form, malformed raw JSON is refused on the page, then a good value runs.
        await row.Locator("button.trigger").ClickAsync();
        Assert.Equal("10", await page.Locator("#param-rows").InputValueAsync());
        await page.FillAsync("#param-rows", "500");
        await page.ClickAsync("#trigger-dialog-submit");
        await page.WaitForFunctionAsync("document.getElementById('trigger-error').textContent.includes('rows')");
        await page.ClickAsync("#trigger-tab-json");
        Assert.Contains("500", await page.Locator("#trigger-conf").InputValueAsync(), StringComparison.Ordinal);
        await page.FillAsync("#trigger-conf", "{\"rows\": ");
        await page.ClickAsync("#trigger-dialog-submit");
        Assert.StartsWith("Not valid:", await page.Locator("#trigger-error").TextContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "trigger-form-error");
        await page.ClickAsync("#trigger-tab-form");
        await page.FillAsync("#param-rows", "5");
        await ScreenshotsAsync(page, "trigger-form");
        await page.ClickAsync("#trigger-dialog-submit");

        // Wait for the trigger's own message: the pause toggle's message is already showing.
        await page.WaitForFunctionAsync("document.getElementById('message').textContent.startsWith('Triggered alpha')");
        var runs = new DagRunStore(Api.Orchestra.Database);
        var triggered = (await runs.ListAsync("alpha")).Single(r => r.RunId != "r1");
        Assert.Equal(5, System.Text.Json.Nodes.JsonNode.Parse(triggered.Conf)!["rows"]!.GetValue<int>());

        // The DAG page's grid: the new run turns green without a reload.
        await page.ClickAsync("a.dag-link");
        await page.WaitForSelectorAsync($"#grid .run-state[data-run-id='{triggered.RunId}']");
        var (engine, executor) = Api.Orchestra.NewScheduler();
        await Api.Orchestra.RunToCompletionAsync(engine, executor);
        await page.WaitForSelectorAsync($"#grid .run-state[data-run-id='{triggered.RunId}'][data-state='success']", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.WaitForSelectorAsync($"#grid tr[data-task-id='b'] td.ti[data-run-id='{triggered.RunId}'][data-state='success']");
        await ScreenshotsAsync(page, "dag-grid");

        // By keyboard: a cell takes focus and Enter opens its panel; Escape closes a dialog.
        await page.FocusAsync($"#grid tr[data-task-id='b'] td.ti[data-run-id='{triggered.RunId}']");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("document.getElementById('ti-state')?.textContent === 'success'");
        await page.ClickAsync("h1 button.trigger");
        await page.WaitForSelectorAsync("#trigger-dialog[open]");
        await page.Keyboard.PressAsync("Escape");
        await page.WaitForSelectorAsync("#trigger-dialog[open]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached });
    }

    [Fact]
    public async Task ATasksLog_IsShownAndSearchable_AndAFailedTaskIsClearedAfterAPreview_AndRunsAgain()
    {
        var marker = Path.Combine(Api.Orchestra.Home, "ready.flag");
        Api.Orchestra.WriteDag("flaky.cs", Orchestra.DagSource("flaky", $$"""
            var work = dag.Task("work", ctx =>
            {
                ctx.Log.Info("looking for the marker");
                if (!File.Exists(@"{{marker}}"))
                {
                    throw new InvalidOperationException("marker missing");
                }

                ctx.Log.Info("found the marker");
            }).With(t => t.Retries = 0);
            var after = dag.Task("after", ctx => { });
            _ = work >> after;
            """));
        await Api.Orchestra.ProcessAsync();
        await new DagStore(Api.Orchestra.Database).SetPausedAsync("flaky", false);
        var run = await Api.Orchestra.TriggerAsync("flaky");
        var (engine, executor) = Api.Orchestra.NewScheduler();
        await Api.Orchestra.RunToCompletionAsync(engine, executor);
        Assert.Equal("failed", await Api.Orchestra.RunStateAsync("flaky", run.RunId));

        // The failed task's panel: its state and its log, searchable.
        var page = await SignInAsync("user", "/dags/flaky");
        var cell = $"#grid tr[data-task-id='work'] td.ti[data-run-id='{run.RunId}']";
        await page.WaitForSelectorAsync(cell + "[data-state='failed']");
        await page.ClickAsync(cell);
        await page.WaitForFunctionAsync("document.getElementById('log')?.textContent.includes('marker missing')");
        Assert.Equal("failed", await page.Locator("#ti-state").TextContentAsync());
        Assert.Contains($"task=work", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#log-search", "looking for");
        await page.WaitForFunctionAsync("document.querySelectorAll('#log .log-line').length === 1");
        Assert.Contains("looking for the marker", await page.Locator("#log .log-line").TextContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "task-log");

        // Clear it: the dry run lists what will change (the task and, downstream, the task after it), then it runs again.
        await File.WriteAllTextAsync(marker, "");
        await page.FillAsync("#log-search", "");
        await page.ClickAsync("#ti-clear");
        await page.WaitForFunctionAsync("document.querySelectorAll('#clear-preview .clear-item').length === 2");
        await ScreenshotsAsync(page, "clear-preview");
        await page.UncheckAsync("#clear-downstream");
        await page.WaitForFunctionAsync("document.querySelectorAll('#clear-preview .clear-item').length === 1");
        await page.CheckAsync("#clear-downstream");
        await page.WaitForFunctionAsync("document.querySelectorAll('#clear-preview .clear-item').length === 2");
        await page.ClickAsync("#clear-dialog-submit");
        await page.WaitForFunctionAsync("document.getElementById('message').textContent.startsWith('Cleared ')");

        await Api.Orchestra.RunToCompletionAsync(engine, executor);
        await page.WaitForSelectorAsync($"#grid .run-state[data-run-id='{run.RunId}'][data-state='success']", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.WaitForFunctionAsync("document.getElementById('ti-state')?.textContent === 'success'");
        await page.WaitForFunctionAsync("document.getElementById('log')?.textContent.includes('found the marker')");
        Assert.Equal("2", await page.Locator("#log-try").InputValueAsync());
    }

    [Fact]
    public async Task AViewer_CannotTriggerOrPause_AndARoleLimitedToOneDagDoesNotSeeTheOthers()
    {
        var viewer = await SignInAsync("viewer");
        await viewer.WaitForSelectorAsync("tr[data-dag-id='alpha']");
        Assert.Equal(0, await viewer.Locator("button.trigger").CountAsync());
        Assert.True(await viewer.Locator("tr[data-dag-id='alpha'] .pause-toggle").IsDisabledAsync());

        var team = await SignInAsync("team");
        await team.WaitForSelectorAsync("tr[data-dag-id='alpha']");
        Assert.Equal(0, await team.Locator("tr[data-dag-id='beta']").CountAsync());
        await team.GotoAsync("/dags/beta");
        await team.WaitForSelectorAsync("#not-found");
    }

    [Fact]
    public async Task BadInput_AMissingDagAndAnExpiredSession_AreClearMessagesOnThePage()
    {
        var page = await SignInAsync("admin");
        await page.GotoAsync("/dags/no_such_dag");
        Assert.Contains("There is no DAG 'no_such_dag'", await page.Locator("#not-found").TextContentAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "missing-dag");

        // A run that does not exist, in a shared link: the page says so.
        await page.GotoAsync("/dags/alpha/gantt?run=no_such_run");
        await page.WaitForFunctionAsync("document.getElementById('message').textContent.includes('no_such_run')");
        Assert.Equal("error", await page.GetAttributeAsync("#message", "class"));

        // The session cookie goes (expired or signed out elsewhere): the next poll leads to the sign-in page, which says so.
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("tr[data-dag-id='alpha']");
        var session = (await page.Context.CookiesAsync()).Where(c => c.Name == "updraft_session").ToList();
        Assert.Single(session);
        await page.Context.ClearCookiesAsync(new BrowserContextClearCookiesOptions { Name = "updraft_session" });
        await page.WaitForSelectorAsync("#login-form", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Contains("/login?next=", page.Url, StringComparison.Ordinal);
        Assert.Contains("expired", await page.Locator("#login-expired").TextContentAsync(), StringComparison.Ordinal);

        // Signing in again comes back to the page.
        await page.FillAsync("#username", "admin");
        await page.FillAsync("#password", RestApiServer.Password);
        await page.ClickAsync("#login-submit");
        await page.WaitForSelectorAsync("tr[data-dag-id='alpha']");

        // A wrong password is a message, not a page of errors.
        var other = await (await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Api.Server.Address.ToString() })).NewPageAsync();
        await other.GotoAsync("/login");
        await other.FillAsync("#username", "admin");
        await other.FillAsync("#password", "wrong");
        await other.ClickAsync("#login-submit");
        await other.WaitForFunctionAsync("document.getElementById('login-error').textContent.length > 0");
        Assert.Equal("Wrong username or password.", await other.Locator("#login-error").TextContentAsync());
    }
}
