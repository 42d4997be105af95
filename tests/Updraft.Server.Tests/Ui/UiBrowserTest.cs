using Microsoft.Playwright;
using Updraft.Server.Tests.RestApi;

namespace Updraft.Server.Tests.Ui;

/// <summary>
/// The web UI in a real browser: Debian's Chromium, headless, driven by Playwright, against a real API server on a
/// real database (<see cref="RestApiServer"/>). Tests keep screenshots of the views they pass through (1440 × 900,
/// both themes) in <c>artifacts/ui-screenshots</c>.
/// </summary>
public abstract class UiBrowserTest : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright _playwright = null!;

    protected RestApiServer Api { get; private set; } = null!;

    protected IBrowser Browser { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), "The browser tests need Debian's Chromium: apt-get install -y chromium (.ci/run installs it).");
        Api = await RestApiServer.StartAsync(null, exposeConfig: ExposeConfig);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public virtual async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Api.DisposeAsync();
    }

    protected virtual bool ExposeConfig => false;

    protected async Task<IPage> SignInAsync(string username, string? path = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Api.Server.Address.ToString(), ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(path ?? "/");
        await page.WaitForSelectorAsync("#login-form");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", RestApiServer.Password);
        await page.ClickAsync("#login-submit");
        try
        {
            await page.WaitForSelectorAsync("#username-shown", new PageWaitForSelectorOptions { Timeout = 10_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{username} did not get in: at {page.Url}, error '{await page.Locator("#login-error").TextContentAsync()}', message '{await page.Locator("#message").TextContentAsync()}'");
        }

        return page;
    }

    protected static async Task ScreenshotsAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "artifacts", "ui-screenshots");
        Directory.CreateDirectory(folder);
        foreach (var theme in (string[])["light", "dark"])
        {
            await page.EvaluateAsync($"document.documentElement.dataset.theme = '{theme}'");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}-{theme}.png") });
        }

        // No view reached here failed: an error would be in the page's message bar.
        var error = await page.EvaluateAsync<string>("document.getElementById('message').classList.contains('error') ? document.getElementById('message').textContent : ''");
        Assert.True(error.Length == 0, $"{name} shows an error: {error}");

        // Nothing needs horizontal scrolling at 1440 × 900 (the grid scrolls inside its own box).
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), $"{name} scrolls horizontally");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }

    protected static async Task WaitAsync(Func<Task<bool>> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            await Task.Delay(100, limit.Token);
        }
    }
}
