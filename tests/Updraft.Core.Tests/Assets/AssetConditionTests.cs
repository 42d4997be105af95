using Updraft.Core.Assets;

namespace Updraft.Core.Tests.Assets;

public sealed class AssetConditionTests
{
    private static readonly Asset A = new("a");
    private static readonly Asset B = new("b");
    private static readonly Asset C = new("c");

    [Theory]
    [InlineData("", false)]
    [InlineData("a", false)]
    [InlineData("b", false)]
    [InlineData("a,b", true)]
    [InlineData("c", true)]
    [InlineData("a,c", true)]
    [InlineData("a,b,c", true)]
    public void Evaluate_AllNestedInAny_HoldsWhenBothOfThePairOrTheThirdWereUpdated(string updated, bool holds)
    {
        var condition = (A & B) | C;

        Assert.Equal(holds, condition.Evaluate(Updated(updated)));
    }

    [Theory]
    [InlineData("a", false)]
    [InlineData("b,c", false)]
    [InlineData("a,b", true)]
    [InlineData("a,c", true)]
    public void Evaluate_AnyNestedInAll_HoldsWhenTheFirstAndOneOfTheOthersWereUpdated(string updated, bool holds)
    {
        var condition = A & (B | C);

        Assert.Equal(holds, condition.Evaluate(Updated(updated)));
    }

    [Fact]
    public void Expression_KeepsTheNesting_AndReadsBackToTheSameEvaluation()
    {
        var condition = (A & B) | C;

        var expression = condition.ToExpression();
        var read = AssetCondition.FromExpression(expression);

        Assert.Equal(
            """{"any":[{"all":[{"asset":{"name":"a","uri":"a","group":"asset"}},{"asset":{"name":"b","uri":"b","group":"asset"}}]},{"asset":{"name":"c","uri":"c","group":"asset"}}]}""",
            expression.ToJsonString());
        Assert.Equal(["a", "b", "c"], read.Assets.Select(a => a.Name));
        Assert.False(read.Evaluate(Updated("a")));
        Assert.True(read.Evaluate(Updated("a,b")));
        Assert.True(read.Evaluate(Updated("c")));
    }

    private static Func<Asset, bool> Updated(string names)
    {
        var set = names.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return asset => set.Contains(asset.Name);
    }
}
