using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// Calls every REST route as each built-in role, as a role that may only read DAG <c>alpha</c>, and anonymously, and
/// checks allow or deny against the table below (Airflow's permission sets). A route missing from the table fails the
/// test: a new route needs its expected permissions written down here.
/// </summary>
public sealed class PermissionMatrixTests : IAsyncLifetime
{
    private const string Anyone = "anyone";
    private const string SignedIn = "signed-in";
    private const string Viewer = "viewer";
    private const string User = "user";
    private const string Op = "op";
    private const string Admin = "admin";

    private static readonly string[] Ladder = [Viewer, User, Op, Admin];

    /// <summary>The lowest built-in role allowed each route (higher ones are too), and whether the alpha-only role may call it for alpha.</summary>
    private static readonly Dictionary<string, (string Lowest, bool AlphaReader)> Expected = new(StringComparer.Ordinal)
    {
        ["POST /auth/token"] = (Anyone, true),
        ["POST /auth/login"] = (Anyone, true),
        ["POST /auth/logout"] = (Anyone, true),
        ["GET /auth/me"] = (SignedIn, true),
        ["GET /auth/fab/v1/users"] = (Admin, false),
        ["GET /auth/fab/v1/users/{username}"] = (Admin, false),
        ["POST /auth/fab/v1/users"] = (Admin, false),
        ["PATCH /auth/fab/v1/users/{username}"] = (Admin, false),
        ["DELETE /auth/fab/v1/users/{username}"] = (Admin, false),
        ["GET /auth/fab/v1/roles"] = (Admin, false),
        ["GET /auth/fab/v1/roles/{role_name}"] = (Admin, false),
        ["POST /auth/fab/v1/roles"] = (Admin, false),
        ["PATCH /auth/fab/v1/roles/{role_name}"] = (Admin, false),
        ["DELETE /auth/fab/v1/roles/{role_name}"] = (Admin, false),
        ["GET /auth/fab/v1/permissions"] = (Admin, false),
        ["GET /api/v2/monitor/health"] = (Anyone, true),
        ["GET /api/v2/version"] = (Anyone, true),
        ["GET /api/v2/dags"] = (Viewer, true),
        ["PATCH /api/v2/dags"] = (User, false),
        ["GET /api/v2/dags/{dag_id}"] = (Viewer, true),
        ["PATCH /api/v2/dags/{dag_id}"] = (User, false),
        ["DELETE /api/v2/dags/{dag_id}"] = (User, false),
        ["GET /api/v2/dags/{dag_id}/details"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/tasks"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/tasks/{task_id}"] = (Viewer, true),
        ["GET /api/v2/dagSources/{dag_id}"] = (Viewer, false),
        ["GET /api/v2/dags/{dag_id}/dagVersions"] = (Viewer, false),
        ["GET /api/v2/dags/{dag_id}/dagVersions/{version_number}"] = (Viewer, false),
        ["GET /api/v2/dagTags"] = (Viewer, true),
        ["GET /api/v2/dagStats"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries"] = (Viewer, false),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}"] = (Viewer, false),
        ["POST /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries"] = (Op, false),
        ["PATCH /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}"] = (Op, false),
        ["GET /api/v2/importErrors"] = (Viewer, false),
        ["GET /api/v2/importErrors/{import_error_id}"] = (Viewer, false),
        ["POST /api/v2/connections/test"] = (Op, false),
        ["GET /api/v2/dagWarnings"] = (Viewer, false),
        ["PUT /api/v2/parseDagFile/{file_token}"] = (User, false),
        ["GET /api/v2/hitlDetails/"] = (Viewer, true),
        ["GET /api/v2/hitlDetails/{dag_id}/{dag_run_id}/{task_id}"] = (Viewer, true),
        ["PATCH /api/v2/hitlDetails/{dag_id}/{dag_run_id}/{task_id}"] = (User, false),
        ["GET /api/v2/assets"] = (Viewer, false),
        ["GET /api/v2/assets/{asset_id}"] = (Viewer, false),
        ["GET /api/v2/assets/events"] = (Viewer, false),
        ["POST /api/v2/assets/events"] = (User, false),
        ["GET /api/v2/assets/aliases"] = (Viewer, false),
        ["GET /api/v2/assets/aliases/{asset_alias_id}"] = (Viewer, false),
        ["GET /api/v2/assets/{asset_id}/queuedEvents"] = (Viewer, false),
        ["DELETE /api/v2/assets/{asset_id}/queuedEvents"] = (Op, false),
        ["POST /api/v2/assets/{asset_id}/materialize"] = (User, false),
        ["GET /api/v2/dags/{dag_id}/assets/queuedEvents"] = (Viewer, false),
        ["DELETE /api/v2/dags/{dag_id}/assets/queuedEvents"] = (Op, false),
        ["GET /api/v2/dags/{dag_id}/assets/{asset_id}/queuedEvents"] = (Viewer, false),
        ["DELETE /api/v2/dags/{dag_id}/assets/{asset_id}/queuedEvents"] = (Op, false),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamAssetEvents"] = (Viewer, false),
        ["GET /api/v2/backfills"] = (Viewer, true),
        ["POST /api/v2/backfills"] = (User, false),
        ["POST /api/v2/backfills/dry_run"] = (User, false),
        ["GET /api/v2/backfills/{backfill_id}"] = (Viewer, true),
        ["PUT /api/v2/backfills/{backfill_id}/pause"] = (User, false),
        ["PUT /api/v2/backfills/{backfill_id}/unpause"] = (User, false),
        ["PUT /api/v2/backfills/{backfill_id}/cancel"] = (User, false),
        ["GET /api/v2/dags/{dag_id}/dagRuns"] = (Viewer, true),
        ["POST /api/v2/dags/{dag_id}/dagRuns"] = (User, false),
        ["POST /api/v2/dags/{dag_id}/dagRuns/list"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}"] = (Viewer, true),
        ["POST /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/clear"] = (User, false),
        ["PATCH /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}"] = (User, false),
        ["DELETE /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}"] = (User, false),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/wait"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/dependencies"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/dependencies"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"] = (Viewer, true),
        ["POST /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries/{task_try_number}"] = (Viewer, true),
        ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}"] = (Viewer, true),
        ["PATCH /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"] = (User, false),
        ["PATCH /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/dry_run"] = (User, false),
        ["POST /api/v2/dags/{dag_id}/clearTaskInstances"] = (User, false),
        ["GET /api/v2/variables"] = (Op, false),
        ["POST /api/v2/variables"] = (Op, false),
        ["PATCH /api/v2/variables"] = (Op, false),
        ["GET /api/v2/variables/{variable_key}"] = (Op, false),
        ["PATCH /api/v2/variables/{variable_key}"] = (Op, false),
        ["DELETE /api/v2/variables/{variable_key}"] = (Op, false),
        ["GET /api/v2/connections"] = (Op, false),
        ["POST /api/v2/connections"] = (Op, false),
        ["PATCH /api/v2/connections"] = (Op, false),
        ["GET /api/v2/connections/{connection_id}"] = (Op, false),
        ["PATCH /api/v2/connections/{connection_id}"] = (Op, false),
        ["DELETE /api/v2/connections/{connection_id}"] = (Op, false),
        ["GET /api/v2/pools"] = (Viewer, false),
        ["POST /api/v2/pools"] = (Op, false),
        ["PATCH /api/v2/pools"] = (Op, false),
        ["GET /api/v2/pools/{pool_name}"] = (Viewer, false),
        ["PATCH /api/v2/pools/{pool_name}"] = (Op, false),
        ["DELETE /api/v2/pools/{pool_name}"] = (Op, false),
        ["GET /api/v2/eventLogs"] = (Viewer, false),
        ["GET /api/v2/eventLogs/{event_log_id}"] = (Viewer, false),
        ["GET /api/v2/config"] = (Op, false),
        ["GET /api/v2/openapi.json"] = (Anyone, true),
        ["GET /api/v2/docs"] = (Anyone, true),
        ["GET /api/v1/openapi.json"] = (Anyone, true),
        ["GET /api/v1/docs"] = (Anyone, true),
        ["GET /api/v1/health"] = (Anyone, true),
        ["GET /api/v1/version"] = (Anyone, true),
        ["GET /api/v1/dags"] = (Viewer, true),
        ["GET /api/v1/dags/{dag_id}"] = (Viewer, true),
        ["PATCH /api/v1/dags/{dag_id}"] = (User, false),
        ["DELETE /api/v1/dags/{dag_id}"] = (User, false),
        ["GET /api/v1/dags/{dag_id}/details"] = (Viewer, true),
        ["GET /api/v1/dags/{dag_id}/tasks"] = (Viewer, true),
        ["GET /api/v1/dags/{dag_id}/tasks/{task_id}"] = (Viewer, true),
        ["POST /api/v1/dags/{dag_id}/clearTaskInstances"] = (User, false),
        ["POST /api/v1/dags/{dag_id}/updateTaskInstancesState"] = (User, false),
        ["POST /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/clear"] = (User, false),
        ["PATCH /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/setNote"] = (User, false),
        ["PATCH /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/setNote"] = (User, false),
        ["GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}"] = (Viewer, true),
        ["POST /api/v1/dags/~/dagRuns/list"] = (Viewer, true),
        ["POST /api/v1/dags/~/dagRuns/~/taskInstances/list"] = (Viewer, true),
        ["GET /api/v1/dagSources/{file_token}"] = (Viewer, false),
        ["GET /api/v1/dagWarnings"] = (Viewer, false),
        ["PUT /api/v1/parseDagFile/{file_token}"] = (User, false),
        ["POST /api/v1/connections/test"] = (Op, false),
        ["GET /api/v1/dags/{dag_id}/dagRuns"] = (Viewer, true),
        ["POST /api/v1/dags/{dag_id}/dagRuns"] = (User, false),
        ["GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}"] = (Viewer, true),
        ["PATCH /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}"] = (User, false),
        ["DELETE /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}"] = (User, false),
        ["GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"] = (Viewer, true),
        ["GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"] = (Viewer, true),
        ["GET /api/v1/variables"] = (Op, false),
        ["POST /api/v1/variables"] = (Op, false),
        ["GET /api/v1/variables/{variable_key}"] = (Op, false),
        ["DELETE /api/v1/variables/{variable_key}"] = (Op, false),
        ["GET /api/v1/connections"] = (Op, false),
        ["POST /api/v1/connections"] = (Op, false),
        ["GET /api/v1/connections/{connection_id}"] = (Op, false),
        ["DELETE /api/v1/connections/{connection_id}"] = (Op, false),
        ["GET /api/v1/pools"] = (Viewer, false),
        ["POST /api/v1/pools"] = (Op, false),
        ["GET /api/v1/pools/{pool_name}"] = (Viewer, false),
        ["DELETE /api/v1/pools/{pool_name}"] = (Op, false),
        ["PATCH /api/v1/pools/{pool_name}"] = (Op, false),
        ["PATCH /api/v1/variables/{variable_key}"] = (Op, false),
        ["PATCH /api/v1/connections/{connection_id}"] = (Op, false),
        ["GET /api/v1/importErrors"] = (Viewer, false),
        ["GET /api/v1/importErrors/{import_error_id}"] = (Viewer, false),
        ["GET /api/v1/eventLogs"] = (Viewer, false),
        ["GET /api/v1/eventLogs/{event_log_id}"] = (Viewer, false),
        ["GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries"] = (Viewer, false),
        ["GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}"] = (Viewer, false),
    };

    private RestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await RestApiServer.StartAsync(null, exposeConfig: true, testConnection: true);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public void EveryRoute_HasAnExpectationAndExistsInAirflowsApi()
    {
        var airflow = new[] { "v2-operations.txt", "v1-operations.txt" }
            .SelectMany(f => File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Airflow", f)))
            .Where(l => !l.StartsWith('#') && l.Length > 0)
            .Select(l => string.Join(' ', l.Split(' ').Take(2)))
            .ToHashSet(StringComparer.Ordinal);
        var routes = Routes().Select(r => r.Key).ToList();
        var unexpected = routes.Where(r => !Expected.ContainsKey(r)).ToList();
        var gone = Expected.Keys.Where(k => !routes.Contains(k)).ToList();
        // Updraft's own: its documents live under each version's prefix (Airflow serves them at the root).
        string[] ours = ["POST /auth/login", "POST /auth/logout", "GET /auth/me", "GET /api/v2/openapi.json", "GET /api/v2/docs", "GET /api/v1/openapi.json", "GET /api/v1/docs"];
        // Airflow's FAB auth manager's users and roles API (not in the core API's document).
        var fab = routes.Where(r => r.Split(' ')[1].StartsWith("/auth/fab/v1/", StringComparison.Ordinal)).ToList();
        Assert.Equal(11, fab.Count);
        var notAirflows = routes.Where(r => !airflow.Contains(r) && !ours.Contains(r) && !fab.Contains(r)).ToList();
        Assert.True(unexpected.Count == 0, "Routes with no expected permissions: " + string.Join(", ", unexpected));
        Assert.True(gone.Count == 0, "Expected routes that are not served: " + string.Join(", ", gone));
        Assert.True(notAirflows.Count == 0, "Routes Airflow's API does not have: " + string.Join(", ", notAirflows));
    }

    [Fact]
    public async Task EveryRoute_AsEachRole_AllowedOrDeniedAsAirflowDoes()
    {
        var failures = new List<string>();
        var callers = new List<(string Name, HttpClient Client)> { (Anyone, _api.Anonymous) };
        foreach (var name in Ladder.Prepend("public").Append("team"))
        {
            callers.Add((name, await _api.AsAsync(name)));
        }

        // Destructive calls last, so the others still find their objects (the decision does not depend on it either way).
        foreach (var (key, method, pattern) in Routes().OrderBy(r => r.Method == "DELETE"))
        {
            var (lowest, alphaReader) = Expected[key];
            foreach (var (name, client) in callers)
            {
                var allowed = lowest == Anyone || (lowest == SignedIn && name != Anyone) || name switch
                {
                    "team" => alphaReader,
                    Anyone or "public" => false,
                    _ => Array.IndexOf(Ladder, name) >= Array.IndexOf(Ladder, lowest),
                };
                var status = await CallAsync(client, method, Url(pattern, "alpha"));
                if (allowed != (status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)))
                {
                    failures.Add($"{key} as {name}: {(int)status}, expected {(allowed ? "allowed" : "denied")}");
                }

                if (!allowed && lowest != Anyone && status != (name == Anyone ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden))
                {
                    failures.Add($"{key} as {name}: {(int)status}, expected {(name == Anyone ? 401 : 403)}");
                }

                // The alpha-only role is refused the same routes for another DAG.
                if (name == "team" && alphaReader && pattern.Contains("{dag_id}", StringComparison.Ordinal)
                    && await CallAsync(client, method, Url(pattern, "beta")) != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{key} as team for beta: expected 403");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private IEnumerable<(string Key, string Method, string Pattern)> Routes() =>
        _api.Server.Endpoints
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/api/", StringComparison.Ordinal) || raw.StartsWith("/auth/", StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!, ":[a-z]+}", "}"))))
            .Select(r => ($"{r.m} {r.Item2}", r.m, r.Item2));

    private static string Url(string pattern, string dagId) => pattern
        .Replace("{dag_id}", dagId, StringComparison.Ordinal)
        .Replace("{dag_run_id}", "r1", StringComparison.Ordinal)
        .Replace("{task_id}", "a", StringComparison.Ordinal)
        .Replace("{map_index}", "0", StringComparison.Ordinal)
        .Replace("{version_number}", "1", StringComparison.Ordinal)
        .Replace("{task_try_number}", "1", StringComparison.Ordinal)
        .Replace("{try_number}", "1", StringComparison.Ordinal)
        .Replace("{variable_key}", "k", StringComparison.Ordinal)
        .Replace("{connection_id}", "c", StringComparison.Ordinal)
        .Replace("{pool_name}", "p", StringComparison.Ordinal)
        .Replace("{import_error_id}", "1", StringComparison.Ordinal)
        .Replace("{event_log_id}", "1", StringComparison.Ordinal)
        .Replace("{backfill_id}", "1", StringComparison.Ordinal)
        .Replace("{asset_id}", "1", StringComparison.Ordinal)
        .Replace("{file_token}", "bm8tc3VjaC1maWxl", StringComparison.Ordinal)
        .Replace("{xcom_key}", "return_value", StringComparison.Ordinal)
        .TrimStart('/');

    private static async Task<HttpStatusCode> CallAsync(HttpClient client, string method, string url)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method is "POST" or "PATCH" or "PUT")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
