using System.Text.Json;
using System.Text.Json.Serialization;

namespace Updraft.Execution.Api;

/// <summary>The execution API's JSON over HTTP: snake_case names and Airflow's state names, as Airflow's own APIs write them.</summary>
public static class ExecutionApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The path of one try under <c>/execution/v1/task-instances/</c>, each part escaped (run ids hold <c>:</c> and <c>+</c>).</summary>
    public static string TryPath(TryIdentity id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"task-instances/{Uri.EscapeDataString(id.DagId)}/{Uri.EscapeDataString(id.RunId)}/{Uri.EscapeDataString(id.TaskId)}/{id.MapIndex}/tries/{id.TryNumber}");
    }

    /// <summary>The path of one XCom under <c>/execution/v1/xcoms/</c>.</summary>
    public static string XComPath(Core.Runtime.XComKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"xcoms/{Uri.EscapeDataString(key.DagId)}/{Uri.EscapeDataString(key.RunId)}/{Uri.EscapeDataString(key.TaskId)}/{key.MapIndex}/{Uri.EscapeDataString(key.Key)}");
    }
}
