using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Serialization;
using Updraft.Core.Timetables;
using Updraft.Core.TriggerRules;

namespace Updraft.Core.Tests.Serialization;

public class DagSerializerTests
{
    private static Dag Sample()
    {
        var dag = new Dag("sample", schedule: "0 3 * * *", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            TimeZone = "Europe/Zurich",
            Tags = ["sales"],
            DocMd = "# Sample",
            DefaultArgs = new TaskDefaults { Owner = "data", Retries = 2, RetryDelay = TimeSpan.FromMinutes(1), PriorityWeight = 2 },
            Params = { ["rows"] = new Param(5) { Maximum = 10 } },
        };
        var extract = dag.Task("extract", _ => 1);
        var bash = dag.Bash("report", "echo {{ ds }}");
        bash.TriggerRule = TriggerRule.AllDone;
        bash.Owner = "ops";
        _ = extract >> bash;
        return dag;
    }

    [Fact]
    public void Serialize_AppliesDefaultsFromDagAndConfig()
    {
        var serialized = DagSerializer.Serialize(Sample(), new DagDefaults { MaxActiveRunsPerDag = 7 }, "abc");
        var extract = serialized.GetTask("extract");
        var report = serialized.GetTask("report");
        Assert.Equal(("data", 2, TimeSpan.FromMinutes(1), TriggerRule.AllSuccess), (extract.Owner, extract.Retries, extract.RetryDelay, extract.TriggerRule));
        Assert.Equal(("ops", TriggerRule.AllDone), (report.Owner, report.TriggerRule));
        Assert.Equal(7, serialized.MaxActiveRuns);
        Assert.Equal(["data", "ops"], serialized.Owners);
        Assert.Equal("echo {{ ds }}", report.TemplateFields["bash_command"]);
        Assert.Equal(ScheduleKind.CronTrigger, serialized.Timetable.Kind);
        Assert.Equal("Europe/Zurich", serialized.Timetable.TimeZone);
        Assert.Equal("abc", serialized.SourceHash);
    }

    [Fact]
    public void Serialize_DownstreamWeightRule_SumsDownstreamWeights()
    {
        var serialized = DagSerializer.Serialize(Sample(), new DagDefaults());
        Assert.Equal(4, serialized.GetTask("extract").PriorityWeightTotal);
        Assert.Equal(2, serialized.GetTask("report").PriorityWeightTotal);
    }

    [Fact]
    public void Json_RoundTrip_KeepsEverything()
    {
        var serialized = DagSerializer.Serialize(Sample(), new DagDefaults(), "abc");
        var json = DagSerializer.ToJson(serialized);
        var back = DagSerializer.FromJson(json);
        Assert.Equal(json, DagSerializer.ToJson(back));
        Assert.Equal(serialized.Timetable, back.Timetable);
        Assert.Equal(TimeSpan.FromMinutes(1), back.GetTask("extract").RetryDelay);
    }

    [Fact]
    public void Json_UsesAirflowStyleNames()
    {
        var json = JsonNode.Parse(DagSerializer.ToJson(DagSerializer.Serialize(Sample(), new DagDefaults())))!;
        Assert.Equal("sample", json["dag_id"]!.GetValue<string>());
        Assert.Equal(1, json["format_version"]!.GetValue<int>());
        var task = json["tasks"]![1]!;
        Assert.Equal("all_done", task["trigger_rule"]!.GetValue<string>());
        Assert.Equal(60, task["retry_delay"]!.GetValue<double>());
        Assert.Equal("cron_trigger", json["timetable"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public void FromJson_NewerFormat_Refused()
    {
        var json = JsonNode.Parse(DagSerializer.ToJson(DagSerializer.Serialize(Sample(), new DagDefaults())))!.AsObject();
        json["format_version"] = SerializedDag.CurrentFormatVersion + 1;
        var error = Assert.Throws<NotSupportedException>(() => DagSerializer.FromJson(json.ToJsonString()));
        Assert.Contains("newer than this Updraft understands", error.Message);
    }

    [Fact]
    public void Params_SurviveSerializationAndStillValidate()
    {
        var back = DagSerializer.FromJson(DagSerializer.ToJson(DagSerializer.Serialize(Sample(), new DagDefaults())));
        var param = back.Params["rows"].ToParam();
        Assert.Throws<ParamValidationException>(() => param.Validate("rows", JsonValue.Create(11)));
        param.Validate("rows", JsonValue.Create(9));
    }

    [Fact]
    public void Serialize_CreateCronDataIntervals_ChangesTimetableKind()
    {
        var serialized = DagSerializer.Serialize(Sample(), new DagDefaults { CreateCronDataIntervals = true });
        Assert.Equal(ScheduleKind.CronDataInterval, serialized.Timetable.Kind);
    }
}
