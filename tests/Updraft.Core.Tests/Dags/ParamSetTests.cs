using System.Text.Json.Nodes;
using Updraft.Core.Dags;

namespace Updraft.Core.Tests.Dags;

public class ParamSetTests
{
    private static ParamSet Params() => new()
    {
        ["rows"] = new Param(10) { Minimum = 1, Maximum = 100 },
        ["name"] = new Param("x") { MinLength = 1, MaxLength = 5, Pattern = "^[a-z]+$" },
        ["mode"] = new Param("full") { Enum = ["full", "incremental"] },
        ["ratio"] = Param.Number(0.5),
        ["flag"] = true,
    };

    [Fact]
    public void Resolve_NoConf_UsesDefaults()
    {
        var values = Params().Resolve(null);
        Assert.Equal(10, values.Get<int>("rows"));
        Assert.Equal("x", values.Get<string>("name"));
        Assert.True(values.Get<bool>("flag"));
    }

    [Fact]
    public void Resolve_Conf_OverridesAndPassesExtraKeysThrough()
    {
        var values = Params().Resolve(new JsonObject { ["rows"] = 3, ["other"] = "kept" });
        Assert.Equal(3, values.Get<int>("rows"));
        Assert.Equal("kept", values.Get<string>("other"));
    }

    [Theory]
    [InlineData("{\"rows\": 0}", "Invalid input for param rows: 0 is less than the minimum of 1")]
    [InlineData("{\"rows\": 101}", "Invalid input for param rows: 101 is greater than the maximum of 100")]
    [InlineData("{\"rows\": 1.5}", "Invalid input for param rows: 1.5 is not of type 'integer'")]
    [InlineData("{\"rows\": \"ten\"}", "Invalid input for param rows: \"ten\" is not of type 'integer'")]
    [InlineData("{\"name\": \"\"}", "Invalid input for param name: '' is shorter than 1 characters")]
    [InlineData("{\"name\": \"abcdef\"}", "Invalid input for param name: 'abcdef' is longer than 5 characters")]
    [InlineData("{\"name\": \"ABC\"}", "Invalid input for param name: 'ABC' does not match '^[a-z]+$'")]
    [InlineData("{\"mode\": \"partial\"}", "Invalid input for param mode: \"partial\" is not one of [\"full\", \"incremental\"]")]
    [InlineData("{\"flag\": \"yes\"}", "Invalid input for param flag: \"yes\" is not of type 'boolean'")]
    [InlineData("{\"rows\": null}", "Invalid input for param rows: None is not allowed")]
    public void Resolve_BadValue_SaysWhichParamAndWhy(string conf, string message)
    {
        var error = Assert.Throws<ParamValidationException>(() => Params().Resolve(JsonNode.Parse(conf)!.AsObject()));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Resolve_RequiredParamMissing_Rejected()
    {
        var set = new ParamSet { ["table"] = Param.String() };
        Assert.Contains("no value was passed", Assert.Throws<ParamValidationException>(() => set.Resolve(null)).Message);
        Assert.Equal("orders", set.Resolve(new JsonObject { ["table"] = "orders" }).Get<string>("table"));
    }

    [Fact]
    public void Get_UnknownName_ListsKnownParams()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => Params().Resolve(null).Get<int>("nope"));
        Assert.Contains("There is no param 'nope'", error.Message);
    }
}
