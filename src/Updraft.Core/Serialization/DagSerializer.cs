using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Updraft.Core.Dags;
using Updraft.Core.TriggerRules;

namespace Updraft.Core.Serialization;

/// <summary>Turns a DAG into its serialized form (defaults applied) and reads and writes that form as JSON.</summary>
public static class DagSerializer
{
    public static JsonSerializerOptions JsonOptions { get; } = CreateOptions();

    public static SerializedDag Serialize(Dag dag, DagDefaults defaults, string sourceHash = "")
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(defaults);
        var timetable = defaults.TimetableFor(dag);
        var groupDefaults = dag.TaskGroups.ToDictionary(g => g, g => g.EffectiveDefaults());
        TaskDefaults DefaultsOf(Operator t) => t.Group is { } g ? groupDefaults[g] : dag.DefaultArgs;
        var order = dag.TopologicalOrder();
        var mapProducers = MapProducers(dag, defaults);
        var weights = order.ToDictionary(t => t.TaskId, t => t.PriorityWeight ?? DefaultsOf(t).PriorityWeight ?? 1, StringComparer.Ordinal);
        var tasks = order.Select(t =>
        {
            var d = DefaultsOf(t);
            var rule = t.WeightRule ?? d.WeightRule ?? WeightRule.Downstream;
            return new SerializedTask
            {
                TaskId = t.TaskId,
                Operator = t.OperatorName,
                UpstreamTaskIds = [.. t.UpstreamTaskIds],
                DownstreamTaskIds = [.. t.DownstreamTaskIds],
                TriggerRule = t.TriggerRule ?? d.TriggerRule ?? TriggerRule.AllSuccess,
                Owner = t.Owner ?? d.Owner ?? "updraft",
                Retries = t.Retries ?? d.Retries ?? defaults.DefaultTaskRetries,
                RetryDelay = t.RetryDelay ?? d.RetryDelay ?? defaults.DefaultTaskRetryDelay,
                RetryExponentialBackoff = t.RetryExponentialBackoff ?? d.RetryExponentialBackoff ?? false,
                MaxRetryDelay = t.MaxRetryDelay ?? d.MaxRetryDelay,
                ExecutionTimeout = t.ExecutionTimeout ?? d.ExecutionTimeout,
                Pool = t.Pool ?? d.Pool ?? "default_pool",
                PoolSlots = t.PoolSlots,
                PriorityWeight = weights[t.TaskId],
                WeightRule = rule,
                PriorityWeightTotal = weights[t.TaskId] + Relatives(dag, t, rule).Sum(id => weights[id]),
                Queue = t.Queue ?? d.Queue ?? "default",
                Executor = t.Executor,
                MaxActiveTisPerDag = t.MaxActiveTisPerDag,
                DoXComPush = t.DoXComPush,
                IsSetup = t.IsSetup,
                IsTeardown = t.IsTeardown,
                OnFailureFailDagRun = t.OnFailureFailDagRun,
                DocMd = t.DocMd,
                TemplateFields = t.GetTemplateFields().ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal),
                InputTaskIds = t is CallableTask c ? [.. c.Inputs.Where(i => i.Task is not null).Select(i => i.Task!.TaskId)] : [],
                ResultType = (t as CallableTask)?.ResultType?.Name,
                IsMapped = t.IsMapped,
                MapInputs = ((t as IMappedTask)?.Parts ?? t.MappedGroup?.Mapping!.Parts ?? [])
                    .Select(p => new SerializedMapInput { TaskId = p.Task?.TaskId, Length = p.Literal?.Count })
                    .ToList(),
                MapMode = (t as IMappedTask)?.Mode ?? t.MappedGroup?.Mapping!.Mode ?? MapMode.Single,
                MapGroupId = t.MappedGroup?.GroupId,
                SensorMode = t is SensorOperator sensor ? (sensor.Mode == Dags.SensorMode.Reschedule ? "reschedule" : "poke") : null,
                MaxMapLength = t.IsMapped ? defaults.MaxMapLength : 0,
                MappedResultLimit = mapProducers.Contains(t.TaskId) ? defaults.MaxMapLength : null,
                TaskGroupId = t.Group?.GroupId,
                Line = t.DefinedAtLine,
                Outlets = t.Outlets.OfType<Assets.Asset>().Any() ? [.. t.Outlets.OfType<Assets.Asset>().Select(SerializedAsset.From)] : null,
                OutletAliases = t.Outlets.OfType<Assets.AssetAlias>().Any() ? [.. t.Outlets.OfType<Assets.AssetAlias>().Select(SerializedAssetAlias.From)] : null,
            };
        }).ToList();

        return new SerializedDag
        {
            DagId = dag.DagId,
            Fileloc = dag.Fileloc,
            SourceHash = sourceHash,
            Description = dag.Description,
            ScheduleInterval = dag.Schedule.Text,
            Timetable = timetable.ToSpec(),
            TimetableSummary = dag.Schedule.Assets is null ? timetable.Summary
                : timetable is Timetables.NullTimetable ? "Asset" : $"Asset or {timetable.Summary}",
            AssetExpression = dag.Schedule.Assets?.ToExpression(),
            AssetWatchers = Watchers(dag),
            StartDate = dag.StartDate?.ToUniversalTime(),
            EndDate = dag.EndDate?.ToUniversalTime(),
            Timezone = dag.TimeZone ?? defaults.DefaultTimezone,
            Catchup = dag.Catchup ?? defaults.CatchupByDefault,
            Tags = [.. dag.Tags],
            Owners = [.. tasks.Select(t => t.Owner).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            MaxActiveRuns = timetable.RequiresSingleActiveRun ? 1 : dag.MaxActiveRuns ?? defaults.MaxActiveRunsPerDag,
            MaxActiveTasks = dag.MaxActiveTasks ?? defaults.MaxActiveTasksPerDag,
            IsPausedUponCreation = dag.IsPausedUponCreation ?? defaults.DagsArePausedAtCreation,
            Params = dag.Params.ToDictionary(p => p.Key, p => SerializedParam.From(p.Value), StringComparer.Ordinal),
            DocMd = dag.DocMd,
            HasOnSuccessCallback = dag.OnSuccess.Count > 0,
            HasOnFailureCallback = dag.OnFailure.Count > 0,
            Deadline = SerializedDeadline.From(dag.Deadline),
            Tasks = tasks,
            TaskGroups = [.. dag.TaskGroups.Select(g => new SerializedTaskGroup
            {
                GroupId = g.GroupId,
                ParentGroupId = g.Parent?.GroupId,
                Tooltip = g.Tooltip,
                DocMd = g.DocMd,
                PrefixGroupId = g.PrefixGroupId,
                TaskIds = [.. g.Tasks.Select(t => t.TaskId)],
                ChildGroupIds = [.. g.Children.Select(c => c.GroupId)],
                IsMapped = g.IsMapped ? true : null,
                Line = g.DefinedAtLine,
            })],
        };
    }

    /// <summary>The watchers of the assets a DAG is scheduled on, their triggers checked to be storable; null when none.</summary>
    private static List<SerializedAssetWatcher>? Watchers(Dag dag)
    {
        var watchers = (dag.Schedule.Assets?.Assets ?? []).SelectMany(a => a.Watchers.Select(w => (Asset: a, Watcher: w))).ToList();
        if (watchers.Count == 0)
        {
            return null;
        }

        var stored = new List<SerializedAssetWatcher>();
        foreach (var (asset, watcher) in watchers)
        {
            try
            {
                stored.Add(new SerializedAssetWatcher(asset.Name, watcher.Name, watcher.Trigger.TypeName, watcher.Trigger.Serialize().ToJsonString()));
            }
            catch (Triggers.TriggerSerializationException e)
            {
                throw new DagDefinitionException($"Asset '{asset.Name}' has a watcher '{watcher.Name}' whose trigger cannot be stored: {e.Message}", dag.Fileloc, dag.DefinedAtLine);
            }
        }

        return stored.DistinctBy(w => (w.Asset, w.Name)).Count() == stored.Count
            ? stored
            : throw new DagDefinitionException("Two watchers of one asset have the same name.", dag.Fileloc, dag.DefinedAtLine);
    }

    /// <summary>
    /// The tasks whose result a mapped task expands over; checks what can be checked before a run: a literal input no
    /// longer than <c>[core] max_map_length</c>, and producers that push their result.
    /// </summary>
    private static HashSet<string> MapProducers(Dag dag, DagDefaults defaults)
    {
        var producers = new HashSet<string>(StringComparer.Ordinal);
        var mappedGroups = dag.TaskGroups.Where(g => g.IsMapped).Select(g => (Id: $"Task group '{g.GroupId}'", Line: g.DefinedAtLine, g.Mapping!.Parts, g.Mapping.Mode));
        foreach (var (what, line, parts, mode) in dag.Tasks.OfType<IMappedTask>().Select(m => ($"Task '{((Operator)m).TaskId}'", ((Operator)m).DefinedAtLine, m.Parts, m.Mode)).Concat(mappedGroups))
        {
            var mapped = (Parts: parts, Mode: mode);
            var literal = (long)MapLength.Of(mapped.Mode, [.. mapped.Parts.Select(p => p.Literal?.Count ?? 1)]);
            if (mapped.Parts.All(p => p.Literal is not null) && literal > defaults.MaxMapLength)
            {
                throw new DagDefinitionException(
                    $"{what} is mapped over {literal} elements, more than [core] max_map_length ({defaults.MaxMapLength}).", dag.Fileloc, line);
            }

            foreach (var producer in mapped.Parts.Select(p => p.Task).OfType<Operator>())
            {
                if (!producer.DoXComPush)
                {
                    throw new DagDefinitionException(
                        $"{what} is mapped over the result of '{producer.TaskId}', which does not push its result (DoXComPush = false).", dag.Fileloc, line);
                }

                if (!producer.IsMapped)
                {
                    // A mapped producer's instances each give one element; their count is checked when expanding.
                    producers.Add(producer.TaskId);
                }
            }
        }

        return producers;
    }

    public static string ToJson(SerializedDag dag) => JsonSerializer.Serialize(dag, JsonOptions);

    /// <summary>Reads a serialized DAG; refuses a format newer than this build understands.</summary>
    public static SerializedDag FromJson(string json)
    {
        var node = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("A serialized DAG must be a JSON object.");
        var version = node["format_version"]?.GetValue<int>() ?? 0;
        if (version > SerializedDag.CurrentFormatVersion)
        {
            throw new NotSupportedException(
                $"The serialized DAG uses format version {version}, newer than this Updraft understands ({SerializedDag.CurrentFormatVersion}). Upgrade Updraft.");
        }

        return node.Deserialize<SerializedDag>(JsonOptions) ?? throw new JsonException("The serialized DAG is empty.");
    }

    private static HashSet<string> Relatives(Dag dag, Operator task, WeightRule rule)
    {
        if (rule == WeightRule.Absolute)
        {
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(rule == WeightRule.Downstream ? task.DownstreamTaskIds : task.UpstreamTaskIds);
        while (stack.TryPop(out var id))
        {
            if (seen.Add(id))
            {
                var next = dag.GetTask(id);
                foreach (var n in rule == WeightRule.Downstream ? next.DownstreamTaskIds : next.UpstreamTaskIds)
                {
                    stack.Push(n);
                }
            }
        }

        return seen;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.Converters.Add(new SecondsConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
