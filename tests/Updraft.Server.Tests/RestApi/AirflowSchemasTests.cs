using System.Text.Json.Nodes;
using Xunit.Sdk;

namespace Updraft.Server.Tests.RestApi;

/// <summary>The schema check itself: it must fail on shapes Airflow's clients would not accept.</summary>
public sealed class AirflowSchemasTests
{
    [Fact]
    public void AssertMatches_MissingFieldWrongTypeBadDate_Fails()
    {
        var ok = JsonNode.Parse("""{"name":"p","slots":1,"description":null,"include_deferred":false,"occupied_slots":0,"running_slots":0,"queued_slots":0,"scheduled_slots":0,"open_slots":1,"deferred_slots":0}""")!.AsObject();
        AirflowSchemas.AssertMatches("PoolResponse", ok);

        var missing = ok.DeepClone().AsObject();
        missing.Remove("open_slots");
        Assert.Throws<FailException>(() => AirflowSchemas.AssertMatches("PoolResponse", missing));

        var wrongType = ok.DeepClone().AsObject();
        wrongType["slots"] = "1";
        Assert.Throws<FailException>(() => AirflowSchemas.AssertMatches("PoolResponse", wrongType));

        Assert.Throws<FailException>(() => AirflowSchemas.AssertMatches("ImportErrorResponse", JsonNode.Parse(
            """{"import_error_id":1,"timestamp":"yesterday","filename":"f","bundle_name":null,"stack_trace":"s"}""")));
    }
}
